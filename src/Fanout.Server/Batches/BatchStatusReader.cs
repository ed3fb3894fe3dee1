using Fanout.Documents;
using Fanout.Runs;

namespace Fanout.Server.Batches;

/// <summary>Builds <see cref="BatchStatusDocument"/>s from a live batch (memory) or from the store (any run, from this server or the CLI).</summary>
internal sealed class BatchStatusReader(BatchQueue queue, IRunStore store, TimeProvider? timeProvider = null)
{
    private const int CacheSize = 256;

    /// <summary>
    /// How long the rows of a running stored run (one another process coordinates) answer polls before they are read again.
    /// Every poll of a 20,000-target run otherwise re-read 40,000 rows (its selection and each target's latest attempt); with
    /// this, any number of clients polling it through one server cost one read a second, and the page's output is still read
    /// fresh for each poll.
    /// </summary>
    public static readonly TimeSpan RunningRowsFreshFor = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    // Rows of stored runs as last read. An ended run's do not change until it is resumed: the run row (one cheap read) says
    // whether they are still current, so polling a finished 1,000-target batch does not re-read 2,000 rows each time (N5). A
    // running run's answer polls for RunningRowsFreshFor. The rows are kept without their output (a page's output is read for
    // that page), so 20,000 outputs are never held.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedRows> _rows = new(StringComparer.Ordinal);

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
        IReadOnlyList<ExecutionDocument> rows;
        DateTimeOffset now = _time.GetUtcNow();
        if (resumed is null && _rows.TryGetValue(batchId, out CachedRows? cached) && cached.Answers(run, now))
        {
            rows = cached.Rows;
        }
        else
        {
            rows = await ReadRowsAsync(batchId, resumed, running, cancellationToken);
            if (resumed is null)
            {
                if (_rows.Count >= CacheSize)
                {
                    _rows.Clear();
                }

                _rows[batchId] = new CachedRows(run.Status, run.EndedAt, run.ResumeCount, now, rows);
            }
        }

        rows = await WithPageOutputAsync(batchId, rows, resumed, running, states, page, pageSize, cancellationToken);
        return BatchStatusDocument.Build(batchId, batchStatus, runStatus, rows, states, page, pageSize) with { StopAfterWaveRequested = stopAfterWave };
    }

    /// <summary>
    /// Every target of a stored run as a row without its output: the selection and each target's latest attempt read without
    /// the output columns (<see cref="AttemptQuery.WithoutOutput"/>) — what counts, waves and paging need. A 20,000-target run
    /// costs 20,000 narrow rows, not 20,000 outputs.
    /// </summary>
    private async Task<IReadOnlyList<ExecutionDocument>> ReadRowsAsync(string batchId, IReadOnlyDictionary<string, BatchState.TargetView>? resumed, bool running, CancellationToken cancellationToken)
    {
        IReadOnlyList<RunTargetRecord> selection = await store.GetRunTargetsAsync(batchId, cancellationToken);
        var latest = (await store.GetAttemptsAsync(batchId, new AttemptQuery { LatestOnly = true, WithoutOutput = true }, cancellationToken))
            .ToDictionary(a => a.Target, StringComparer.Ordinal);
        var rows = new ExecutionDocument[selection.Count];
        for (int i = 0; i < selection.Count; i++)
        {
            string name = selection[i].Target;
            int wave = Math.Max(1, selection[i].Wave);
            rows[i] = resumed is not null && resumed.TryGetValue(name, out BatchState.TargetView? view) ? Execution(batchId, i + 1, wave, view)
                : latest.TryGetValue(name, out TargetAttemptRecord? a) ? Stored(batchId, i + 1, wave, a, running)
                : new ExecutionDocument(ExecutionId(batchId, i + 1), name, running ? "queued" : "not-run", null, null, null, null, null, wave, 0, null);
        }

        return rows;
    }

    /// <summary>
    /// <paramref name="rows"/> with the output of the page's stored targets, read for them alone (at most a page of rows). A
    /// target whose latest attempt is still the one counted takes its output (the freshest, for a running attempt); one that
    /// moved on to a newer attempt between the two reads is shown as that attempt, whole.
    /// </summary>
    private async Task<IReadOnlyList<ExecutionDocument>> WithPageOutputAsync(string batchId, IReadOnlyList<ExecutionDocument> rows,
        IReadOnlyDictionary<string, BatchState.TargetView>? resumed, bool running, IReadOnlySet<string>? states, int page, int pageSize, CancellationToken cancellationToken)
    {
        List<int> onPage = [.. BatchStatusDocument.PageOf(rows, states, page, pageSize).Page.Where(i => resumed is null || !resumed.ContainsKey(rows[i].NodeId))];
        if (onPage.Count == 0)
        {
            return rows;
        }

        var full = (await store.GetAttemptsAsync(batchId, new AttemptQuery { LatestOnly = true, Targets = [.. onPage.Select(i => rows[i].NodeId)] }, cancellationToken))
            .ToDictionary(a => a.Target, StringComparer.Ordinal);
        ExecutionDocument[] filled = [.. rows];
        foreach (int i in onPage)
        {
            ExecutionDocument row = rows[i];
            if (full.TryGetValue(row.NodeId, out TargetAttemptRecord? a))
            {
                filled[i] = a.Attempt == row.Attempts ? row with { Stdout = a.Stdout, Stderr = a.Stderr } : Stored(batchId, i + 1, row.Wave, a, running);
            }
        }

        return filled;
    }

    /// <summary>The row of a stored attempt (<paramref name="wave"/> is the selection's, used when the attempt has none).</summary>
    private static ExecutionDocument Stored(string batchId, int ordinal, int wave, TargetAttemptRecord a, bool running)
    {
        double? duration = a.StartedAt is { } start && a.EndedAt is { } end ? ResultDocuments.Milliseconds(end - start) : null;
        return new ExecutionDocument(ExecutionId(batchId, ordinal), a.Target, ResultDocuments.StateOf(a.State, running), a.ExitCode, duration,
            a.Stdout, a.Stderr, a.Error, a.Wave == 0 ? wave : Math.Max(1, a.Wave), a.Attempt, a.StartedAt);
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

    private sealed record CachedRows(RunStatus Status, DateTimeOffset? EndedAt, int ResumeCount, DateTimeOffset ReadAt, IReadOnlyList<ExecutionDocument> Rows)
    {
        /// <summary>Whether these rows still answer for <paramref name="run"/>: ended and unchanged since, or running and read less than <see cref="RunningRowsFreshFor"/> ago.</summary>
        public bool Answers(RunRecord run, DateTimeOffset now) => run.ResumeCount == ResumeCount && (Status.IsFinal()
            ? run.Status == Status && run.EndedAt == EndedAt
            : !run.Status.IsFinal() && now >= ReadAt && now - ReadAt < RunningRowsFreshFor);
    }
}
