using Fanout.Documents;
using Fanout.Runs;

namespace Fanout.Server.Batches;

/// <summary>Builds <see cref="BatchStatusDocument"/>s from a live batch (memory) or from the store (any run, from this server or the CLI).</summary>
internal sealed class BatchStatusReader(BatchQueue queue, IRunStore store)
{
    private const int CacheSize = 256;

    // Rows of ended runs, which do not change until the run is resumed: the run row (one cheap read) says whether a
    // cached entry is still current, so polling a finished 1,000-target batch does not re-read 2,000 rows each time (N5).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, EndedRun> _ended = new(StringComparer.Ordinal);

    public static string ExecutionId(string batchId, int ordinal) => $"{batchId}.{ordinal}";

    /// <summary>The status page, or <see langword="null"/> when no batch or run has this id.</summary>
    public async Task<BatchStatusDocument?> ReadAsync(string batchId, IReadOnlySet<string>? states, int page, int pageSize, CancellationToken cancellationToken)
    {
        BatchState? live = queue.Find(batchId);
        (BatchPhase Phase, IReadOnlyList<BatchState.TargetView> Targets)? snapshot = live?.Snapshot();
        bool stopAfterWave = live?.StopAfterWaveRequested ?? false;
        if (live is { SequenceOffset: 0 } && snapshot is { Phase: not BatchPhase.Finished } fresh)
        {
            // A new batch of this server: memory holds every target.
            int[] ends = Fanout.Execution.WavePlanner.Plan(live.Request.Options.BatchSizes, fresh.Targets.Count);
            return BatchStatusDocument.Build(batchId, fresh.Phase == BatchPhase.Queued ? "queued" : "running", null,
                [.. fresh.Targets.Select(t => Execution(batchId, t.Ordinal, WaveOf(ends, t.Ordinal), t))], states, page, pageSize)
                with { StopAfterWaveRequested = stopAfterWave };
        }

        if (await store.GetRunAsync(batchId, cancellationToken) is not { } run)
        {
            return live is null ? null : BatchStatusDocument.Build(batchId, "queued", null, [], states, page, pageSize) with { Total = live.Request.Targets.Count };
        }

        // A resumed batch of this server: targets it runs again are shown as it sees them (waiting ones queued, not as the
        // stale "running" or "cancelled" attempt of the execution that crashed); the others as stored.
        IReadOnlyDictionary<string, BatchState.TargetView>? resumed = snapshot is { Phase: not BatchPhase.Finished } s
            ? s.Targets.ToDictionary(t => t.Name, StringComparer.Ordinal)
            : null;
        bool running = resumed is not null || !run.Status.IsFinal();
        string batchStatus = resumed is not null ? "running" : run.Status switch
        {
            RunStatus.Running or RunStatus.AwaitingApproval => "running",
            RunStatus.Queued => "queued",
            RunStatus.Succeeded => "succeeded",
            RunStatus.Failed => "failed",
            _ => "cancelled",
        };
        string runStatus = resumed is not null ? RunStatus.Running.ToWireName() : run.Status.ToWireName();
        if (resumed is null && _ended.TryGetValue(batchId, out EndedRun? cached) && cached.Matches(run))
        {
            return BatchStatusDocument.Build(batchId, batchStatus, runStatus, cached.Rows, states, page, pageSize) with { StopAfterWaveRequested = stopAfterWave };
        }

        IReadOnlyList<RunTargetRecord> selection = await store.GetRunTargetsAsync(batchId, cancellationToken);
        var latest = (await store.GetAttemptsAsync(batchId, new AttemptQuery { LatestOnly = true }, cancellationToken))
            .ToDictionary(a => a.Target, StringComparer.Ordinal);
        var stored = new List<ExecutionDocument>(selection.Count);
        for (int i = 0; i < selection.Count; i++)
        {
            string name = selection[i].Target;
            int wave = Math.Max(1, selection[i].Wave);
            if (resumed is not null && resumed.TryGetValue(name, out BatchState.TargetView? view))
            {
                stored.Add(Execution(batchId, i + 1, wave, view));
            }
            else if (!latest.TryGetValue(name, out TargetAttemptRecord? a))
            {
                stored.Add(new ExecutionDocument(ExecutionId(batchId, i + 1), name, running ? "queued" : "not-run", null, null, null, null, null, wave, 0, null));
            }
            else
            {
                double? duration = a.StartedAt is { } start && a.EndedAt is { } end ? ResultDocuments.Milliseconds(end - start) : null;
                stored.Add(new ExecutionDocument(ExecutionId(batchId, i + 1), name, ResultDocuments.StateOf(a.State, running), a.ExitCode, duration,
                    a.Stdout, a.Stderr, a.Error, a.Wave == 0 ? wave : Math.Max(1, a.Wave), a.Attempt, a.StartedAt));
            }
        }

        if (resumed is null && run.Status.IsFinal())
        {
            if (_ended.Count >= CacheSize)
            {
                _ended.Clear();
            }

            _ended[batchId] = new EndedRun(run.Status, run.EndedAt, run.ResumeCount, stored);
        }

        return BatchStatusDocument.Build(batchId, batchStatus, runStatus, stored, states, page, pageSize) with { StopAfterWaveRequested = stopAfterWave };
    }

    private static ExecutionDocument Execution(string batchId, int ordinal, int wave, BatchState.TargetView t) =>
        new(ExecutionId(batchId, ordinal), t.Name, t.State, t.Outcome?.ExitCode, t.Outcome is { } o ? ResultDocuments.Milliseconds(o.Duration) : null,
            t.Outcome?.Stdout.Text, t.Outcome?.Stderr.Text, t.Outcome?.Error, wave, t.Outcome?.Attempts ?? (t.StartedAt is null ? 0 : 1), t.Outcome?.StartedAt ?? t.StartedAt);

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

    private sealed record EndedRun(RunStatus Status, DateTimeOffset? EndedAt, int ResumeCount, IReadOnlyList<ExecutionDocument> Rows)
    {
        public bool Matches(RunRecord run) => run.Status == Status && run.EndedAt == EndedAt && run.ResumeCount == ResumeCount;
    }
}
