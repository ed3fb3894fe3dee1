using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Fanout.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Workflows.Notifications;

/// <summary>
/// Sends notifications to the channels of Fanout's config (SPEC W16): webhooks get an HTTP POST with the JSON body,
/// command channels run locally with the JSON on standard input and <c>FANOUT_*</c> environment variables.
/// A failing, slow or unconfigured channel is recorded in <see cref="Deliveries"/> and logged; it never fails the run.
/// </summary>
public sealed partial class ChannelNotifier : INotifier, IDisposable
{
    private readonly IReadOnlyDictionary<string, NotificationChannel> _channels;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ConcurrentQueue<NotificationDelivery> _deliveries = new();

    /// <summary>Creates a notifier for the channels of <paramref name="config"/>.</summary>
    /// <param name="config">Fanout's configuration.</param>
    /// <param name="timeProvider">Measures durations and drives timeouts. The default is <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Receives delivery logs (secret header values and webhook paths are never logged).</param>
    /// <param name="httpClient">The client for webhooks; the default creates (and disposes) its own.</param>
    public ChannelNotifier(FanoutConfig config, TimeProvider? timeProvider = null, ILogger? logger = null, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _channels = config.Channels;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>Every delivery attempted so far, in completion order.</summary>
    public IReadOnlyList<NotificationDelivery> Deliveries => [.. _deliveries];

    /// <inheritdoc />
    public async Task NotifyAsync(WorkflowNotification notification, IReadOnlyList<string> channels, CancellationToken cancellationToken) =>
        _ = await SendAsync(notification, channels, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends to each channel concurrently and returns one delivery per channel (in <paramref name="channels"/> order).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<IReadOnlyList<NotificationDelivery>> SendAsync(WorkflowNotification notification, IReadOnlyList<string> channels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(channels);
        var body = notification.ToJson();
        var tasks = channels.Distinct(StringComparer.Ordinal).Select(name => DeliverAsync(name, notification, body, cancellationToken)).ToList();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Disposes the HTTP client when the notifier created it.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<NotificationDelivery> DeliverAsync(string name, WorkflowNotification notification, string body, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        string? error;
        if (!_channels.TryGetValue(name, out var channel))
        {
            error = $"channel '{name}' is not configured in the Fanout config (notifications.channels)";
        }
        else
        {
            using var timeout = new CancellationTokenSource(channel.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                error = channel.Type == NotificationChannelType.Webhook
                    ? await PostAsync(channel, body, linked.Token).ConfigureAwait(false)
                    : await RunCommandAsync(channel, notification, body, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                error = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"timed out after {channel.Timeout.TotalSeconds:0.###}s");
            }
            catch (HttpRequestException ex)
            {
                error = ex.Message;
            }
            catch (Exception ex) when (ex is IOException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                error = ex.Message;
            }
        }

        var delivery = new NotificationDelivery(name, notification.Event, notification.RunId, error is null, error, _time.GetElapsedTime(started));
        _deliveries.Enqueue(delivery);
        if (error is null)
        {
            NotificationLog.Sent(_logger, notification.Event, notification.RunId, name, channel!.Display, (long)delivery.Duration.TotalMilliseconds);
        }
        else
        {
            NotificationLog.Failed(_logger, notification.Event, notification.RunId, name, channel is null ? error : $"{channel.Display}: {error}");
        }

        return delivery;
    }

    private async Task<string?> PostAsync(NotificationChannel channel, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("fanout", "1.0"));
        foreach (var (name, value) in channel.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
