using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Http;
using Fanout.Server.Observability;
using Fanout.Storage;

namespace Fanout.Server.Batches;

/// <summary>
/// <c>GET /api/executions/batch/{id}/events</c> as Server-Sent Events (SPEC A2). Every event carries <c>id:</c> = its stored
/// sequence number; after each <c>target-finished</c> a <c>progress</c> event with the same id gives the counts. A client that
/// reconnects with <c>Last-Event-ID</c> (or <c>?lastEventId=</c>) gets exactly the events after that id: from this server's
/// live log for its own batches, from the store's event log for everything else. The stream ends after <c>batch-finished</c>.
/// </summary>
/// <remarks>
/// The caller's token is re-checked every <see cref="ServerOptions.TokenRecheckInterval"/>: once it is revoked or expired, the
/// stream sends <c>event: stream-closed</c> and ends (a reconnecting client then gets 401).
/// </remarks>
internal sealed class BatchEventStream(BatchQueue queue, IRunStore store, RunChanges changes, ServerMetrics metrics, TimeProvider time, ITokenStore tokens, ServerOptions options)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public async Task WriteAsync(string id, HttpContext http, CancellationToken cancellationToken)
    {
        string? lastHeader = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["lastEventId"].FirstOrDefault();
        long last = 0;
        if (lastHeader is not null && (!long.TryParse(lastHeader, NumberStyles.None, CultureInfo.InvariantCulture, out last)))
        {
            await Problems.Validation("Last-Event-ID", $"'{lastHeader}' is not an event id (a non-negative integer)").ExecuteAsync(http);
            return;
        }

        BatchState? live = queue.Find(id);
        RunRecord? run = live is null ? await store.GetRunAsync(id, cancellationToken) : null;
        if (live is null && run is null)
        {
            await Problems.NotFound($"no batch with id '{id}'").ExecuteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        metrics.StreamOpened();
        using var open = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? prefix = Auth.Caller.Find(http)?.TokenPrefix;
        Task watch = prefix is null ? Task.CompletedTask : WatchTokenAsync(tokens, options.TokenRecheckInterval, time, prefix, open);
        CancellationToken requestAborted = cancellationToken;
        cancellationToken = open.Token;
        try
        {
            var writer = new SseFrameWriter(http.Response, last, live?.Request.Targets.Count ?? run!.Counts.Total);
            await http.Response.Body.FlushAsync(cancellationToken);
            if (live is not null)
            {
                if (live.SequenceOffset > 0)
                {
                    writer.Total = (await store.GetRunAsync(id, cancellationToken))?.Counts.Total ?? writer.Total;
                    await ReplayStoreAsync(id, writer, live.SequenceOffset, cancellationToken);
                }

                await StreamLiveAsync(live, writer, cancellationToken);
                RunStatus status = await live.Completion;
                await writer.FinishAsync(status, status == RunStatus.Cancelled ? live.CancelReason : null, cancellationToken);
            }
            else
            {
                await StreamStoreAsync(id, writer, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (requestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to clean up beyond the counter.
        }
        catch (OperationCanceledException) when (open.IsCancellationRequested)
        {
            // The token was revoked or expired while the stream was open: say so and end the stream.
            try
            {
                await http.Response.WriteAsync("event: stream-closed\ndata: {\"reason\":\"the token was revoked or expired\"}\n\n", requestAborted);
                await http.Response.Body.FlushAsync(requestAborted);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The client is gone as well.
            }
        }
        finally
        {
            await open.CancelAsync();
            await watch;
            metrics.StreamClosed();
        }
    }

    /// <summary>Cancels <paramref name="open"/> once the token with <paramref name="prefix"/> is no longer accepted (checked every <paramref name="interval"/>).</summary>
    internal static async Task WatchTokenAsync(ITokenStore tokens, TimeSpan interval, TimeProvider time, string prefix, CancellationTokenSource open)
    {
        try
        {
            while (!open.IsCancellationRequested)
            {
                await Task.Delay(interval, time, open.Token);
                bool valid;
                try
                {
                    valid = await Auth.AuthMiddleware.IsStillValidAsync(tokens, prefix, time.GetUtcNow(), open.Token);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or FanoutException)
                {
                    valid = true; // the store is unreachable for a moment: check again next time
                }

                if (!valid)
                {
                    await open.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended first.
        }
    }

    private static async Task StreamLiveAsync(BatchState live, SseFrameWriter writer, CancellationToken cancellationToken)
    {
        int index = 0;
        while (true)
        {
            (IReadOnlyList<LiveEvent> events, bool finished, Task changed) = live.ReadEvents(index);
            index += events.Count;
            foreach (LiveEvent e in events)
            {
                await writer.WriteAsync(e, cancellationToken);
            }

            await writer.FlushAsync(cancellationToken);
            if (finished && events.Count == 0)
            {
                return;
            }

            if (events.Count == 0)
            {
                Task done = await Task.WhenAny(changed, Task.Delay(Heartbeat, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                if (done != changed)
                {
                    await writer.CommentAsync("keep-alive", cancellationToken);
                }
            }
        }
    }

    private async Task StreamStoreAsync(string id, SseFrameWriter writer, CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            // Taken before the read, so a change committed while reading wakes the wait below.
            Task changed = changes.Next(id);
            after = await ReplayStoreAsync(id, writer, after, long.MaxValue, cancellationToken);
            RunRecord? run = await store.GetRunAsync(id, cancellationToken);
            if (run is null || run.Status.IsFinal())
            {
                // One more read: events written between the last read and the final status.
                await ReplayStoreAsync(id, writer, after, long.MaxValue, cancellationToken);
                await writer.FinishAsync(run?.Status ?? RunStatus.Interrupted, run?.StopReason, cancellationToken);
                return;
            }

            // A run owned by another process (the CLI, another server): follow the store — woken by PostgreSQL NOTIFY,
            // with a slow fallback poll; polled every 500 ms with SQLite (RunChanges).
            await changes.WaitAsync(changed, cancellationToken);
        }
    }

    private Task ReplayStoreAsync(string id, SseFrameWriter writer, long upTo, CancellationToken cancellationToken) =>
        ReplayStoreAsync(id, writer, 0, upTo, cancellationToken);

    private async Task<long> ReplayStoreAsync(string id, SseFrameWriter writer, long after, long upTo, CancellationToken cancellationToken)
    {
        while (true)
        {
            IReadOnlyList<RunEventRecord> page = await store.GetEventsAsync(id, after, 500, cancellationToken);
            foreach (RunEventRecord e in page)
            {
                if (e.Sequence > upTo)
                {
                    return after;
                }

                (TargetState? state, string? target) = Finished(e);
                await writer.WriteAsync(new LiveEvent(e.Sequence, LiveEvent.NameOf(e.Type), e.Payload, state, target), cancellationToken);
                after = e.Sequence;
            }

            await writer.FlushAsync(cancellationToken);

            if (page.Count < 500)
            {
                return after;
            }
        }
    }

    private static (TargetState? State, string? Target) Finished(RunEventRecord e)
    {
        if (e.Type != "TargetFinished")
        {
            return (null, null);
        }

        using var doc = JsonDocument.Parse(e.Payload);
        JsonElement root = doc.RootElement;
        string? target = root.TryGetProperty("target", out JsonElement t) ? t.GetString() : null;
        try
        {
            return (root.TryGetProperty("state", out JsonElement s) ? TargetStateExtensions.ParseWireName(s.GetString() ?? string.Empty) : TargetState.Failed, target);
        }
        catch (FormatException)
        {
            return (TargetState.Failed, target);
        }
    }
}
