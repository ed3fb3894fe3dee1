using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Security;

namespace Fanout.Server.Audit;

/// <summary>
/// The server's audit writer (SPEC A7). Mutations are written with <see cref="WriteAsync"/> before the response is sent;
/// high-volume entries (execution start/finish, token use) are <see cref="Post"/>ed and written in batches off the request
/// path, and <see cref="FlushAsync"/> waits for them (a batch is reported finished only after its entries are stored).
/// Token use is recorded at most once per token per minute, so polling clients do not flood the log.
/// </summary>
internal sealed partial class AuditLog : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan TokenUseInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan UnauthorizedInterval = TimeSpan.FromMinutes(1);
    private const string AuditedKey = "fanout.refusal-audited";
    private readonly ConcurrentDictionary<string, Unauthorized> _unauthorized = new(StringComparer.Ordinal);
    private readonly IAuditStore _store;
    private readonly ITokenStore _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditLog> _logger;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastTokenUse = new(StringComparer.Ordinal);
    private Task? _writer;

    public AuditLog(IAuditStore store, ITokenStore tokens, TimeProvider time, ILogger<AuditLog> logger)
    {
        _store = store;
        _tokens = tokens;
        _time = time;
        _logger = logger;
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Writes one entry now (for mutations: durable before the response).</summary>
    public Task WriteAsync(string actor, string action, string? batchId = null, string? detail = null, int? targetCount = null, CancellationToken cancellationToken = default) =>
        _store.AppendAuditAsync([new AuditEntry { Timestamp = Now, Actor = actor, Action = action, BatchId = batchId, Detail = detail, TargetCount = targetCount }], cancellationToken);

    /// <summary>Queues an entry for the next batched write. Never blocks.</summary>
    public void Post(AuditEntry entry) => _queue.Writer.TryWrite(entry);

    /// <summary>Records that token <paramref name="name"/> was used, at most once a minute per token.</summary>
    public void TokenUsed(string name, string request)
    {
        DateTimeOffset now = Now;
        DateTimeOffset last = _lastTokenUse.GetOrAdd(name, DateTimeOffset.MinValue);
        if (now - last < TokenUseInterval || !_lastTokenUse.TryUpdate(name, now, last))
        {
            return;
        }

        Post(new AuditEntry { Timestamp = now, Actor = name, Action = "token.use", Detail = request });
        _queue.Writer.TryWrite(new TokenTouch(name, now));
    }

    /// <summary>
    /// Records a refused request (seed requirement: validation errors are logged with the request): <c>request.unauthorized</c>
    /// (401), <c>request.forbidden</c> (403), <c>request.invalid</c> (400), <c>request.too-large</c> (413),
    /// <c>request.unsupported-media-type</c> (415), with the actor (or <c>anonymous</c>), the endpoint, the client address and the
    /// reason. 401s are recorded at most once a minute per client address (the next entry counts the ones left out), so
    /// anonymous requests cannot flood the log. Each request is recorded once.
    /// </summary>
    public void Refused(HttpContext context, int status, string reason)
    {
        if (context.Items.ContainsKey(AuditedKey))
        {
            return;
        }

        context.Items[AuditedKey] = true;
        DateTimeOffset now = Now;
        string address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        string suppressed = string.Empty;
        if (status == StatusCodes.Status401Unauthorized)
        {
            Unauthorized state = _unauthorized.GetOrAdd(address, _ => new Unauthorized());
            lock (state)
            {
                if (now - state.LastWritten < UnauthorizedInterval)
                {
                    state.Suppressed++;
                    return;
                }

                suppressed = state.Suppressed > 0 ? $" ({state.Suppressed} more 401s from this address in the minute before were not recorded)" : string.Empty;
                state.LastWritten = now;
                state.Suppressed = 0;
            }
        }

        string action = status switch
        {
            StatusCodes.Status401Unauthorized => "request.unauthorized",
            StatusCodes.Status403Forbidden => "request.forbidden",
            StatusCodes.Status413PayloadTooLarge => "request.too-large",
            StatusCodes.Status415UnsupportedMediaType => "request.unsupported-media-type",
            StatusCodes.Status429TooManyRequests => "request.throttled",
            _ => "request.invalid",
        };
        string actor = Auth.Caller.Find(context)?.Name ?? "anonymous";
        string? batchId = context.Request.RouteValues.TryGetValue("id", out object? id) ? id as string : null;
        string detail = $"{status} {context.Request.Method} {context.Request.Path} from {address}: {Truncate(reason, 2000)}{suppressed}";
        Post(new AuditEntry { Timestamp = now, Actor = actor, Action = action, BatchId = batchId, Detail = detail });
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>Waits until every entry posted before the call is stored.</summary>
    public Task FlushAsync()
    {
        var marker = new FlushMarker();
        return _queue.Writer.TryWrite(marker) ? marker.Done.Task : Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }
    }

    private async Task WriteLoopAsync()
    {
        var entries = new List<AuditEntry>();
        var touches = new List<TokenTouch>();
        var markers = new List<FlushMarker>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time);
            while (_queue.Reader.TryRead(out object? item))
            {
                switch (item)
                {
                    case AuditEntry e: entries.Add(e); break;
                    case TokenTouch t: touches.Add(t); break;
                    case FlushMarker m: markers.Add(m); break;
                }
            }

            try
            {
                await _store.AppendAuditAsync(entries, CancellationToken.None);
                foreach (TokenTouch t in touches)
                {
                    await _tokens.TouchTokenAsync(t.Name, t.At, CancellationToken.None);
                }
            }
            catch (Exception e) when (e is FanoutException or System.Data.Common.DbException or InvalidOperationException)
            {
                Log.WriteFailed(_logger, entries.Count, e);
            }

            entries.Clear();
            touches.Clear();
            markers.ForEach(m => m.Done.TrySetResult());
            markers.Clear();
        }
    }

    private sealed record TokenTouch(string Name, DateTimeOffset At);

    private sealed class Unauthorized
    {
        public DateTimeOffset LastWritten { get; set; } = DateTimeOffset.MinValue;

        public int Suppressed { get; set; }
    }

    private sealed class FlushMarker
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Writing {Count} audit entries failed")]
        public static partial void WriteFailed(ILogger logger, int count, Exception exception);
    }
}
