using Microsoft.Extensions.Logging;

namespace Fanout.Workflows.Notifications;

/// <summary>Log messages of <see cref="ChannelNotifier"/>. Channels are shown with <c>NotificationChannel.Display</c>, which hides secrets.</summary>
internal static partial class NotificationLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Notification {Event} of run {RunId} sent to channel {Channel} ({Target}) in {Milliseconds} ms")]
    public static partial void Sent(ILogger logger, string @event, string runId, string channel, string target, long milliseconds);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Notification {Event} of run {RunId} to channel {Channel} failed: {Error}")]
    public static partial void Failed(ILogger logger, string @event, string runId, string channel, string error);
}
