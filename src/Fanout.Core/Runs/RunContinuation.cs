namespace Fanout.Runs;

/// <summary>Reads from the store what <c>resume</c> and <c>retry</c> run (SPEC H3, X11).</summary>
public static class RunContinuation
{
    /// <summary>Plans resuming <paramref name="runId"/>: completed targets are kept, every other target of the recorded selection runs again.</summary>
    /// <returns><see langword="null"/> when the run is unknown.</returns>
    public static async Task<ResumePlan?> PlanResumeAsync(IRunStore store, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return null;
        }

        IReadOnlyList<RunTargetRecord> selection = await store.GetRunTargetsAsync(runId, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<TargetAttemptRecord> attempts = await store.GetAttemptsAsync(runId, null, cancellationToken).ConfigureAwait(false);
        var latest = new Dictionary<string, TargetAttemptRecord>(StringComparer.Ordinal);
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TargetAttemptRecord a in attempts)
        {
            latest[a.Target] = a; // ordered by attempt within a target
            offsets[a.Target] = Math.Max(offsets.GetValueOrDefault(a.Target), a.Attempt);
        }

        var completed = new Dictionary<string, Execution.TargetState>(StringComparer.Ordinal);
        var remaining = new List<RunTargetRecord>();
        var running = new List<string>();
        foreach (RunTargetRecord t in selection)
        {
            if (latest.TryGetValue(t.Target, out TargetAttemptRecord? a) && a.State.IsCompleted())
            {
                completed[t.Target] = a.State.ToTargetState();
                continue;
            }

            remaining.Add(t);
            if (a?.State == AttemptState.Running)
            {
                running.Add(t.Target);
            }
        }

        return new ResumePlan
        {
            Run = run,
            Selection = selection,
            Remaining = remaining,
            WereRunning = running,
            Completed = completed,
            AttemptOffsets = offsets,
            LastSequence = await store.GetLastSequenceAsync(runId, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>Lists the targets of <paramref name="runId"/> that <paramref name="selection"/> retries, in the run's order.</summary>
    public static async Task<IReadOnlyList<RunTargetRecord>> SelectForRetryAsync(IRunStore store, string runId, RetrySelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        IReadOnlyList<RunTargetRecord> targets = await store.GetRunTargetsAsync(runId, cancellationToken).ConfigureAwait(false);
        // States only: the attempts are read without their output (a large run's outputs may be megabytes each).
        IReadOnlyList<TargetAttemptRecord> latest = await store.GetAttemptsAsync(runId, new AttemptQuery { LatestOnly = true, WithoutOutput = true }, cancellationToken).ConfigureAwait(false);
        var states = latest.ToDictionary(a => a.Target, a => a.State, StringComparer.Ordinal);
        return [.. targets.Where(t => Matches(states.TryGetValue(t.Target, out AttemptState s) ? s : AttemptState.NotRun, selection))];
    }

    private static bool Matches(AttemptState state, RetrySelection selection) => selection switch
    {
        RetrySelection.Failed => state is AttemptState.Failed or AttemptState.TimedOut or AttemptState.Unreachable,
        RetrySelection.Unreachable => state is AttemptState.Unreachable,
        RetrySelection.NotRun => state is AttemptState.NotRun or AttemptState.Cancelled or AttemptState.Running,
        _ => !state.IsCompleted(),
    };
}
