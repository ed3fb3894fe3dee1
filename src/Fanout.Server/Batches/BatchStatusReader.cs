using Fanout.Runs;

namespace Fanout.Server.Batches;

/// <summary>Builds <see cref="BatchStatusDocument"/>s from a live batch (memory) or from the store (any run, from this server or the CLI).</summary>
internal sealed class BatchStatusReader(BatchQueue queue, IRunStore store)
{
    private const int CacheSize = 256;

    // Rows of ended runs, which do not change until the run is resumed: the run row (one cheap read) says whether a
    // cached entry is still current, so polling a finished 1,000-target batch does not re-read 2,000 rows each time (N5).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EndedRun> _ended = new(StringComparer.Ordinal);

    public static readonly string[] States = ["queued", "running", "succeeded", "failed", "timed-out", "cancelled", "not-run", "skipped"];

    public static string ExecutionId(string batchId, int ordinal) => $"{batchId}.{ordinal}";

    /// <summary>The status page, or <see langword="null"/> when no batch or run has this id.</summary>
    public async Task<BatchStatusDocument?> ReadAsync(string batchId, IReadOnlySet<string>? states, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (queue.Find(batchId) is { SequenceOffset: 0 } live)
        {
            (BatchPhase phase, IReadOnlyList<BatchState.TargetView> targets) = live.Snapshot();
            if (phase != BatchPhase.Finished)
            {
                string status = phase == BatchPhase.Queued ? "queued" : "running";
                var rows = targets.Select(t => new Row(t.Ordinal, t.Name, t.State, t.Outcome?.ExitCode,
                    t.Outcome is { } o ? o.Duration.TotalMilliseconds : null, t.Outcome?.Stdout.Text, t.Outcome?.Stderr.Text, t.Outcome?.Error)).ToList();
                return Build(batchId, status, null, rows, states, page, pageSize);
            }
        }

        if (await store.GetRunAsync(batchId, cancellationToken) is not { } run)
        {
            return queue.Find(batchId) is { } resumed ? Build(batchId, "queued", null, [], states, page, pageSize) with { Total = resumed.Request.Targets.Count } : null;
        }

        string batchStatus = run.Status switch
        {
            RunStatus.Running or RunStatus.AwaitingApproval => "running",
            RunStatus.Succeeded => "succeeded",
            RunStatus.Failed => "failed",
            _ => "cancelled",
        };
        if (_ended.TryGetValue(batchId, out EndedRun? cached) && cached.Matches(run))
        {
            return Build(batchId, batchStatus, run.Status.ToWireName(), cached.Rows, states, page, pageSize);
        }

        IReadOnlyList<RunTargetRecord> selection = await store.GetRunTargetsAsync(batchId, cancellationToken);
        var latest = (await store.GetAttemptsAsync(batchId, new AttemptQuery { LatestOnly = true }, cancellationToken))
            .ToDictionary(a => a.Target, StringComparer.Ordinal);
        bool running = run.Status is RunStatus.Running or RunStatus.AwaitingApproval;
        var stored = new List<Row>(selection.Count);
        for (int i = 0; i < selection.Count; i++)
        {
            string name = selection[i].Target;
            if (!latest.TryGetValue(name, out TargetAttemptRecord? a))
            {
                stored.Add(new Row(i + 1, name, running ? "queued" : "not-run", null, null, null, null, null));
                continue;
            }

            string state = a.State == AttemptState.Running ? (running ? "running" : "cancelled") : a.State.ToWireName();
            double? duration = a.StartedAt is { } s && a.EndedAt is { } e ? (e - s).TotalMilliseconds : null;
            stored.Add(new Row(i + 1, name, state, a.ExitCode, duration, a.Stdout, a.Stderr, a.Error));
        }

        if (run.Status.IsFinal())
        {
            if (_ended.Count >= CacheSize)
            {
                _ended.Clear();
            }

            _ended[batchId] = new EndedRun(run.Status, run.EndedAt, run.ResumeCount, stored);
        }

        return Build(batchId, batchStatus, run.Status.ToWireName(), stored, states, page, pageSize);
    }

    private static BatchStatusDocument Build(string batchId, string status, string? runStatus, IReadOnlyList<Row> rows, IReadOnlySet<string>? states, int page, int pageSize)
    {
        int[] c = new int[States.Length];
        foreach (Row r in rows)
        {
            c[Array.IndexOf(States, r.State)]++;
        }

        int finished = rows.Count - c[0] - c[1];
        var matching = states is null ? rows : rows.Where(r => states.Contains(r.State)).ToList();
        return new BatchStatusDocument
        {
            BatchId = batchId,
            Status = status,
            RunStatus = runStatus,
            Total = rows.Count,
            Counts = new BatchCounts(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]),
            Progress = rows.Count == 0 ? (status is "queued" or "running" ? 0 : 100) : Math.Round(100.0 * finished / rows.Count, 1),
            Page = page,
            PageSize = pageSize,
            Matching = matching.Count,
            Executions = [.. Http.Paging.Slice(matching, page, pageSize)
                .Select(r => new ExecutionDocument(ExecutionId(batchId, r.Ordinal), r.Name, r.State, r.ExitCode, r.DurationMs, r.Stdout, r.Stderr, r.Error))],
        };
    }

    private sealed record EndedRun(RunStatus Status, DateTimeOffset? EndedAt, int ResumeCount, IReadOnlyList<Row> Rows)
    {
        public bool Matches(RunRecord run) => run.Status == Status && run.EndedAt == EndedAt && run.ResumeCount == ResumeCount;
    }

    private sealed record Row(int Ordinal, string Name, string State, int? ExitCode, double? DurationMs, string? Stdout, string? Stderr, string? Error);
}
