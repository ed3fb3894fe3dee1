using Fanout.Execution;
using Fanout.Output;

namespace Fanout.Runs;

/// <summary>Rebuilds a run's result (the X9 shape) from the store: one outcome per recorded target, with full output from log files.</summary>
public static class StoredResults
{
    /// <summary>Loads the result of <paramref name="runId"/>, or <see langword="null"/> when the run is unknown.</summary>
    /// <remarks>A target whose latest attempt is still <c>running</c> in a run that is not running any more is reported as cancelled; a target without attempts as not-run.</remarks>
    public static async Task<BatchResult?> LoadAsync(IRunStore store, string runId, CancellationToken cancellationToken)
    {
        if (await LoadTargetsAsync(store, runId, cancellationToken).ConfigureAwait(false) is not (RunRecord run, IReadOnlyList<StoredTarget> targets))
        {
            return null;
        }

        var outcomes = new List<TargetOutcome>(targets.Count);
        foreach (StoredTarget t in targets)
        {
            if (t.Last is not { } last)
            {
                outcomes.Add(new TargetOutcome { Target = t.Target, State = TargetState.NotRun, Wave = t.Wave });
                continue;
            }

            outcomes.Add(new TargetOutcome
            {
                Target = t.Target,
                State = last.State.ToTargetState(),
                ExitCode = last.ExitCode,
                Attempts = t.Attempts,
                Wave = t.Wave,
                StartedAt = t.StartedAt,
                Duration = t.Duration,
                Stdout = Output(t.Stdout),
                Stderr = Output(t.Stderr),
                Error = last.State == AttemptState.Running ? last.Error ?? StoppedWhileRunning : last.Error,
            });
        }

        return new BatchResult
        {
            RunId = run.RunId,
            Operation = run.Name,
            StartedAt = run.StartedAt,
            EndedAt = run.EndedAt ?? run.LeaseExpiresAt ?? run.StartedAt,
            Outcomes = outcomes,
            WaveCount = targets.Count == 0 ? 1 : targets.Max(t => t.Wave),
            Cancelled = run.Status == RunStatus.Cancelled,
            StopReason = run.StopReason,
        };
    }

    /// <summary>The error shown for a target whose attempt was still running when its run stopped.</summary>
    internal const string StoppedWhileRunning = "the run stopped while this target was running";

    /// <summary>
    /// Reads a run and, per selected target in order, its latest attempt, attempt count, first start,
    /// duration and full output — the one reader behind <c>fanout export/show</c> and the API's run
    /// documents, which differ only in how they present a still-running attempt.
    /// </summary>
    internal static async Task<(RunRecord Run, IReadOnlyList<StoredTarget> Targets)?> LoadTargetsAsync(IRunStore store, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return null;
        }

        IReadOnlyList<RunTargetRecord> selection = await store.GetRunTargetsAsync(runId, cancellationToken).ConfigureAwait(false);
        var attempts = (await store.GetAttemptsAsync(runId, null, cancellationToken).ConfigureAwait(false))
            .GroupBy(a => a.Target, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var targets = new List<StoredTarget>(selection.Count);
        foreach (RunTargetRecord t in selection)
        {
            if (!attempts.TryGetValue(t.Target, out List<TargetAttemptRecord>? list) || list.Count == 0)
            {
                targets.Add(new StoredTarget(t.Target, t.Wave, null, 0, null, TimeSpan.Zero, string.Empty, string.Empty));
                continue;
            }

            TargetAttemptRecord last = list[^1];
            DateTimeOffset? first = list.Where(a => a.Attempt > 0).Select(a => a.StartedAt).FirstOrDefault(s => s is not null);
            targets.Add(new StoredTarget(
                t.Target,
                last.Wave == 0 ? t.Wave : last.Wave,
                last,
                list.Count(a => a.Attempt > 0),
                first,
                first is { } f && last.EndedAt is { } e && e > f ? e - f : TimeSpan.Zero,
                ReadFull(last.Stdout, last.StdoutLog),
                ReadFull(last.Stderr, last.StderrLog)));
        }

        return (run, targets);
    }

    /// <summary>The complete text of a stored stream: the log file when there is one (and it still exists), else the stored text.</summary>
    public static string ReadFull(string? stored, string? logFile) =>
        logFile is not null && File.Exists(logFile) ? File.ReadAllText(logFile) : stored ?? string.Empty;

    private static CapturedOutput Output(string text)
    {
        return text.Length == 0 ? CapturedOutput.Empty : new CapturedOutput(text, System.Text.Encoding.UTF8.GetByteCount(text), null);
    }
}
