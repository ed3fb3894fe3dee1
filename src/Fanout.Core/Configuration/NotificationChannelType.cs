namespace Fanout.Configuration;

/// <summary>How a notification channel delivers.</summary>
public enum NotificationChannelType
{
    /// <summary>HTTP POST of the notification JSON to a URL.</summary>
    Webhook,

    /// <summary>A local command run with the notification JSON on standard input.</summary>
    Command,
}
