using Fanout.Diagnostics;

namespace Fanout.Configuration;

/// <summary>A notification channel from Fanout's config file (<c>notifications.channels.NAME</c>).</summary>
public sealed record NotificationChannel
{
    /// <summary>The default webhook timeout: 10 seconds.</summary>
    public static readonly TimeSpan DefaultWebhookTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default command timeout: 30 seconds.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The channel name workflows refer to (<c>slack</c>, <c>email</c>, <c>ops-webhook</c> …).</summary>
    public required string Name { get; init; }

    /// <summary>How the channel delivers.</summary>
    public required NotificationChannelType Type { get; init; }

    /// <summary>The webhook URL (<see cref="NotificationChannelType.Webhook"/>), with <c>${VAR}</c> references expanded.</summary>
    public Uri? Url { get; init; }

    /// <summary>Extra HTTP headers for the webhook, with <c>${VAR}</c> references expanded. The default value is empty.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Header names whose values are never shown in logs or messages: those that look secret (authorization, cookie,
    /// names containing token, secret, key, password, signature) and those whose value used <c>${VAR}</c>.
    /// </summary>
    public IReadOnlySet<string> SensitiveHeaders { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The command line run with <c>sh -c</c> (<see cref="NotificationChannelType.Command"/>).</summary>
    public string? Command { get; init; }

    /// <summary>
    /// How long one delivery may take. The default value is <see cref="DefaultWebhookTimeout"/> for webhooks and
    /// <see cref="DefaultCommandTimeout"/> for commands.
    /// </summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>Where the channel is defined in the config file.</summary>
    public SourcePosition Position { get; init; }

    /// <summary>A description safe for logs: the command, or the URL's scheme and host only (paths of webhook URLs often carry secrets).</summary>
    public string Display => Type == NotificationChannelType.Command
        ? $"command '{Command}'"
        : $"webhook {Url?.Scheme}://{Url?.Authority}{(Url is { AbsolutePath: not "/" } || Url?.Query.Length > 0 ? "/***" : string.Empty)}";

    /// <summary>The headers with sensitive values replaced by <c>***</c>.</summary>
    public IReadOnlyDictionary<string, string> MaskedHeaders() =>
        Headers.ToDictionary(h => h.Key, h => SensitiveHeaders.Contains(h.Key) ? "***" : h.Value, StringComparer.OrdinalIgnoreCase);
}
