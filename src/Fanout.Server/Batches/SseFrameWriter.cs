using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fanout.Documents;
using Fanout.Execution;
using Fanout.Runs;

namespace Fanout.Server.Batches;

/// <summary>
/// Writes a batch's SSE frames. Skips frames at or before the client's last id but counts every finished target, by
/// target (a target finished again after a resume replaces its earlier state, so progress never exceeds 100%). A run
/// resumed after it had finished has one <c>batch-finished</c> per execution in the store: every one but the last is
/// sent as <c>execution-finished</c>, and the stream always ends with exactly one <c>batch-finished</c> carrying the
/// whole run's counts — synthesized (with the last id) for a run whose process died before it could record one.
/// Frames are buffered until <see cref="FlushAsync"/>: a reader writes every event it has read with one write and one flush
/// (at 10,000 targets that is hundreds of events a second, and a flush per event cost the server more than the events).
/// </summary>
internal sealed class SseFrameWriter(HttpResponse response, long lastSent, int total)
{
    private readonly Dictionary<string, TargetState> _latest = new(StringComparer.Ordinal);
    private readonly StringBuilder _buffer = new();
    private LiveEvent? _pendingFinish;
    private long _lastSequence;

    public int Total { get; set; } = total;

    public async Task WriteAsync(LiveEvent e, CancellationToken cancellationToken)
    {
        _lastSequence = Math.Max(_lastSequence, e.Sequence);
        if (e.Name == "batch-finished")
        {
            // Terminal only if nothing follows it (a later resume of the run would): decided by the next event or the end.
            await FlushPendingAsync(cancellationToken);
            _pendingFinish = e;
            return;
        }

        await FlushPendingAsync(cancellationToken);
        if (e.Finished is { } state)
        {
            _latest[e.Target ?? $"#{e.Sequence}"] = state;
        }

        if (e.Sequence <= lastSent)
        {
            return;
        }

        var frame = new StringBuilder();
        Append(frame, e.Sequence, e.Name, e.Payload);
        if (e.Finished is not null)
        {
            StateCounts c = Counts(final: false);
            string progress = JsonSerializer.Serialize(new
            {
                completed = c.Finished,
                total = Total,
                progress = BatchStatusDocument.PercentDone(c.Finished, Total, live: true),
                succeeded = c.Succeeded,
                failed = c.Failed,
                timedOut = c.TimedOut,
                unreachable = c.Unreachable,
                cancelled = c.Cancelled,
                notRun = c.NotRun,
                skipped = c.Skipped,
            });
            Append(frame, e.Sequence, "progress", progress);
        }

        await SendAsync(frame, e.Sequence, cancellationToken);
    }

    /// <summary>Ends the stream with its one terminal <c>batch-finished</c> event, for a run that ended with <paramref name="status"/>.</summary>
    /// <param name="status">How the run ended.</param>
    /// <param name="stopReason">The recorded stop reason when it is known better than the executor's event says (who cancelled, a shutdown), else <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task FinishAsync(RunStatus status, string? stopReason, CancellationToken cancellationToken)
    {
        LiveEvent? pending = _pendingFinish;
        _pendingFinish = null;
        long sequence = pending?.Sequence ?? _lastSequence;
        if (pending is not null && sequence <= lastSent)
        {
            return; // the client has it already
        }

        JsonObject data = (pending is null ? null : JsonNode.Parse(pending.Payload) as JsonObject) ?? new JsonObject
        {
            ["cancelled"] = status == RunStatus.Cancelled,
            ["stopReason"] = null,
        };

        // Whole-run counts (an execution's own payload counts only what it ran); failed = failed + timed-out + unreachable, as in history.
        StateCounts c = Counts(final: true);
        data["total"] = Total;
        data["succeeded"] = c.Succeeded;
        data["failed"] = c.Failed + c.TimedOut + c.Unreachable;
        data["timedOut"] = c.TimedOut;
        data["unreachable"] = c.Unreachable;
        data["cancelledTargets"] = c.Cancelled;
        data["notRun"] = c.NotRun;
        data["skipped"] = c.Skipped;
        data["status"] = status.ToWireName();
        if (stopReason is not null)
        {
            data["stopReason"] = stopReason;
        }

        var frame = new StringBuilder();
        Append(frame, sequence, "batch-finished", data.ToJsonString());
        await SendAsync(frame, sequence, cancellationToken);
        await FlushAsync(cancellationToken);
    }

    public async Task CommentAsync(string text, CancellationToken cancellationToken)
    {
        _buffer.Append(CultureInfo.InvariantCulture, $": {text}\n\n");
        await FlushAsync(cancellationToken);
    }

    /// <summary>Sends the frames written since the last flush.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        string text = _buffer.ToString();
        _buffer.Clear();
        await response.WriteAsync(text, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private async Task FlushPendingAsync(CancellationToken cancellationToken)
    {
        if (_pendingFinish is not { } superseded)
        {
            return;
        }

        _pendingFinish = null;
        if (superseded.Sequence > lastSent)
        {
            var frame = new StringBuilder();
            Append(frame, superseded.Sequence, "execution-finished", superseded.Payload);
            await SendAsync(frame, superseded.Sequence, cancellationToken);
        }
    }

    // Targets not finished when the run has ended never ran (or their process died): counted as not-run, so the counts add up to the total.
    private StateCounts Counts(bool final)
    {
        StateCounts c = StateCounts.Of(_latest.Values.Select(s => s.ToWireName()));
        int unfinished = Math.Max(0, Total - _latest.Count);
        return final ? c with { NotRun = c.NotRun + unfinished } : c with { Queued = unfinished };
    }

    private static void Append(StringBuilder frame, long sequence, string name, string payload) =>
        frame.Append(CultureInfo.InvariantCulture, $"id: {sequence}\nevent: {name}\ndata: {payload}\n\n");

    private async Task SendAsync(StringBuilder frame, long sequence, CancellationToken cancellationToken)
    {
        lastSent = Math.Max(lastSent, sequence);
        _buffer.Append(frame);
        if (_buffer.Length >= 64 * 1024)
        {
            await FlushAsync(cancellationToken);
        }
    }
}
