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
                int[] ends = Fanout.Execution.WavePlanner.Plan(live.Request.Options.BatchSizes, targets.Count);
                var rows = targets.Select(t => new Row(t.Ordinal, t.Name, t.State, t.Outcome?.ExitCode,
                    t.Outcome is { } o ? o.Duration.TotalMilliseconds : null, t.Outcome?.Stdout.Text, t.Outcome?.Stderr.Text, t.Outcome?.Error,
                    WaveOf(ends, t.Ordinal), t.Outcome?.Attempts ?? (t.StartedAt is null ? 0 : 1), t.Outcome?.StartedAt ?? t.StartedAt)).ToList();
                return Build(batchId, status, null, rows, states, page, pageSize) with { StopAfterWaveRequested = live.StopAfterWaveRequested };
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
                stored.Add(new Row(i + 1, name, running ? "queued" : "not-run", null, null, null, null, null, Math.Max(1, selection[i].Wave), 0, null));
                continue;
            }

            string state = a.State == AttemptState.Running ? (running ? "running" : "cancelled") : a.State.ToWireName();
            double? duration = a.StartedAt is { } s && a.EndedAt is { } e ? (e - s).TotalMilliseconds : null;
            stored.Add(new Row(i + 1, name, state, a.ExitCode, duration, a.Stdout, a.Stderr, a.Error, Math.Max(1, a.Wave == 0 ? selection[i].Wave : a.Wave), a.Attempt, a.StartedAt));
        }

        if (run.Status.IsFinal())
        {
            if (_ended.Count >= CacheSize)
            {
                _ended.Clear();
            }

            _ended[batchId] = new EndedRun(run.Status, run.EndedAt, run.ResumeCount, stored);
        }

        return Build(batchId, batchStatus, run.Status.ToWireName(), stored, states, page, pageSize)
            with { StopAfterWaveRequested = queue.Find(batchId)?.StopAfterWaveRequested ?? false };
    }

    private static int WaveOf(int[] ends, int ordinal)
    {
        for (int w = 0; w < ends.Length; w++)
        {
            if (ordinal <= ends[w])
            {
                return w + 1;
            }
        }

        return Math.Max(1, ends.Length);
    }

    /// <summary>Per-wave counts and state, in wave order.</summary>
    private static (List<WaveDocument> Waves, int Current) Waves(IReadOnlyList<Row> rows)
    {
        int count = rows.Count == 0 ? 0 : rows.Max(r => r.Wave);
        int[,] c = new int[count + 1, 5]; // queued, running, succeeded, failed, not-run
        foreach (Row r in rows)
        {
            int k = r.State switch { "queued" => 0, "running" => 1, "succeeded" or "skipped" => 2, "not-run" => 4, _ => 3 };
            c[r.Wave, k]++;
        }

        var waves = new List<WaveDocument>(count);
        int current = 0;
        for (int w = 1; w <= count; w++)
        {
            int total = c[w, 0] + c[w, 1] + c[w, 2] + c[w, 3] + c[w, 4];
            string state = c[w, 1] > 0 || (c[w, 0] > 0 && c[w, 0] < total && c[w, 4] == 0) ? "running"
                : c[w, 0] == total ? "pending"
                : c[w, 4] == total ? "not-run"
                : c[w, 0] > 0 ? "running"
                : c[w, 3] > 0 || c[w, 4] > 0 ? "failed" : "complete";
            if (current == 0 && state is "running" or "pending")
            {
                current = w;
            }

            waves.Add(new WaveDocument(w, total, c[w, 0], c[w, 1], c[w, 2], c[w, 3], c[w, 4], state));
        }

        return (waves, current == 0 ? count : current);
    }

    private static BatchStatusDocument Build(string batchId, string status, string? runStatus, IReadOnlyList<Row> rows, IReadOnlySet<string>? states, int page, int pageSize)
    {
        int[] c = new int[States.Length];
        foreach (Row r in rows)
        {
            c[Array.IndexOf(States, r.State)]++;
        }

        int finished = rows.Count - c[0] - c[1];
        (List<WaveDocument> waves, int current) = Waves(rows);
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
            Executions = [.. matching.Skip((page - 1) * pageSize).Take(pageSize)
                .Select(r => new ExecutionDocument(ExecutionId(batchId, r.Ordinal), r.Name, r.State, r.ExitCode, r.DurationMs, r.Stdout, r.Stderr, r.Error, r.Wave, r.Attempts, r.StartedAt))],
            Waves = waves,
            CurrentWave = current,
        };
    }

    private sealed record EndedRun(RunStatus Status, DateTimeOffset? EndedAt, int ResumeCount, IReadOnlyList<Row> Rows)
    {
        public bool Matches(RunRecord run) => run.Status == Status && run.EndedAt == EndedAt && run.ResumeCount == ResumeCount;
    }

    private sealed record Row(int Ordinal, string Name, string State, int? ExitCode, double? DurationMs, string? Stdout, string? Stderr, string? Error, int Wave, int Attempts, DateTimeOffset? StartedAt);
}
