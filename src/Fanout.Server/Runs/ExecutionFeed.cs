using System.Text;
using System.Text.Json;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Microsoft.Extensions.Options;

namespace Fanout.Server.Runs;

/// <summary>
/// <c>GET /api/executions/events</c>: the executions list pushed as Server-Sent Events. Each <c>runs</c> event carries the
/// list items (the documents of <c>GET /api/executions</c>) of the runs that are new or changed — state, progress, end — since
/// the previous one; the first one (<c>"snapshot": true</c>) carries every active run and the newest
/// <see cref="NewestRuns"/>. The feed reads this server's queue and the store (<see cref="ExecutionList.ReadActiveAsync"/>), so
/// any server instance serves the runs of all of them; one reader per server polls every <see cref="Interval"/> while at least
/// one client listens, and each client gets the changes coalesced by run (a slow client gets the latest item of each, never a
/// backlog).
/// </summary>
internal sealed class ExecutionFeed(ExecutionList list, ITokenStore tokens, ServerOptions options, TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    /// <summary>How often the feed reads the list while anyone listens (changes are coalesced over it).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How many of the newest runs the feed watches besides the active ones (new runs appear among them).</summary>
    public const int NewestRuns = 50;

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private readonly HashSet<Subscriber> _subscribers = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _running;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/executions/events", (HttpContext http, ExecutionFeed feed, CancellationToken cancellationToken) => feed.WriteAsync(http, cancellationToken))
            .WithTags("Runs").WithName("StreamExecutionEvents")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    public async Task WriteAsync(HttpContext http, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        using var open = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? prefix = Caller.Find(http)?.TokenPrefix;
        Task watch = prefix is null ? Task.CompletedTask : BatchEventStream.WatchTokenAsync(tokens, options.TokenRecheckInterval, time, prefix, open);
        var subscriber = new Subscriber();
        Subscribe(subscriber);
        try
        {
            await http.Response.Body.FlushAsync(open.Token);
            bool first = true;
            while (true)
            {
                IReadOnlyList<ExecutionItem>? items = await subscriber.TakeAsync(Heartbeat, open.Token);
                string frame = items is null
                    ? ": keep-alive\n\n"
                    : $"event: runs\ndata: {JsonSerializer.Serialize(new ExecutionChanges(first, items), json.Value.SerializerOptions)}\n\n";
                first = first && items is null;
                await http.Response.WriteAsync(frame, Encoding.UTF8, open.Token);
                await http.Response.Body.FlushAsync(open.Token);
            }
        }
        catch (OperationCanceledException) when (open.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The token was revoked or expired while the stream was open: say so and end the stream.
            try
            {
                await http.Response.WriteAsync("event: stream-closed\ndata: {\"reason\":\"the token was revoked or expired\"}\n\n", cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The client is gone as well.
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away.
        }
        finally
        {
            Unsubscribe(subscriber);
            await open.CancelAsync();
            await watch;
        }
    }

    private void Subscribe(Subscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers.Add(subscriber);
            _wake.TrySetResult(); // a new client gets its snapshot now, not at the next tick
            if (!_running)
            {
                _running = true;
                _ = Task.Run(LoopAsync);
            }
        }
    }

    private void Unsubscribe(Subscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscriber);
        }
    }

    /// <summary>Reads the list while anyone listens: sends each new client a snapshot and every client what changed.</summary>
    private async Task LoopAsync()
    {
        var known = new Dictionary<string, ExecutionItem>(StringComparer.Ordinal);
        while (true)
        {
            Subscriber[] clients;
            Task wake;
            lock (_lock)
            {
                if (_subscribers.Count == 0)
                {
                    _running = false;
                    return;
                }

                clients = [.. _subscribers];
                wake = _wake.Task; // taken before the read: a client that comes meanwhile wakes the next wait at once
            }

            try
            {
                IEnumerable<string> active = known.Values.Where(i => !ExecutionList.IsFinal(i.State)).Select(i => i.RunId);
                IReadOnlyList<ExecutionItem> items = await list.ReadActiveAsync(NewestRuns, [.. active], CancellationToken.None);
                var changed = new List<ExecutionItem>();
                var next = new Dictionary<string, ExecutionItem>(StringComparer.Ordinal);
                foreach (ExecutionItem item in items)
                {
                    next[item.RunId] = item;
                    if (!known.TryGetValue(item.RunId, out ExecutionItem? before) || before with { DurationMs = 0 } != item with { DurationMs = 0 })
                    {
                        changed.Add(item);
                    }
                }

                known = next;
                foreach (Subscriber s in clients)
                {
                    s.Post(s.SnapshotSent ? changed : items);
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or FanoutException or InvalidOperationException)
            {
                // The store is unreachable for a moment: read again at the next tick.
            }

            await Task.WhenAny(wake, Task.Delay(Interval, time));
            lock (_lock)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    /// <summary>One listening client: the items not yet sent to it, by run (a newer item of a run replaces the older one).</summary>
    private sealed class Subscriber
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, ExecutionItem> _pending = new(StringComparer.Ordinal);
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool SnapshotSent { get; private set; }

        public void Post(IReadOnlyList<ExecutionItem> items)
        {
            lock (_lock)
            {
                if (!SnapshotSent)
                {
                    SnapshotSent = true;
                    _signal.TrySetResult(); // the snapshot is sent even when it is empty
                }

                foreach (ExecutionItem item in items)
                {
                    _pending[item.RunId] = item;
                }

                if (_pending.Count > 0)
                {
                    _signal.TrySetResult();
                }
            }
        }

        /// <summary>The pending items (newest first), or <see langword="null"/> when nothing came within <paramref name="wait"/>.</summary>
        public async Task<IReadOnlyList<ExecutionItem>?> TakeAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            Task signal;
            lock (_lock)
            {
                signal = _signal.Task;
            }

            if (await Task.WhenAny(signal, Task.Delay(wait, cancellationToken)) != signal)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return null;
            }

            lock (_lock)
            {
                List<ExecutionItem> items = [.. _pending.Values.OrderByDescending(i => i.StartedAt).ThenByDescending(i => i.RunId, StringComparer.Ordinal)];
                _pending.Clear();
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return items;
            }
        }
    }
}

/// <summary>
/// The data of a <c>runs</c> event of <c>GET /api/executions/events</c>: <c>snapshot</c> is true for the first event of a
/// stream (every active run and the newest ones), false for changes since the previous event.
/// </summary>
internal sealed record ExecutionChanges(bool Snapshot, IReadOnlyList<ExecutionItem> Runs);
