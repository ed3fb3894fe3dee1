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
        ArgumentNullException.ThrowIfNull(store);
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return null;
        }

        IReadOnlyList<RunTargetRecord> targets = await store.GetRunTargetsAsync(runId, cancellationToken).ConfigureAwait(false);
        var attempts = (await store.GetAttemptsAsync(runId, null, cancellationToken).ConfigureAwait(false))
            .GroupBy(a => a.Target, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var outcomes = new List<TargetOutcome>(targets.Count);
        foreach (RunTargetRecord t in targets)
        {
            if (!attempts.TryGetValue(t.Target, out List<TargetAttemptRecord>? list) || list.Count == 0)
            {
                outcomes.Add(new TargetOutcome { Target = t.Target, State = TargetState.NotRun, Wave = t.Wave });
                continue;
            }

            TargetAttemptRecord last = list[^1];
            DateTimeOffset? first = list.Where(a => a.Attempt > 0).Select(a => a.StartedAt).FirstOrDefault(s => s is not null);
            outcomes.Add(new TargetOutcome
            {
                Target = t.Target,
                State = last.State.ToTargetState(),
                ExitCode = last.ExitCode,
                Attempts = list.Count(a => a.Attempt > 0),
                Wave = last.Wave == 0 ? t.Wave : last.Wave,
                StartedAt = first,
                Duration = first is { } f && last.EndedAt is { } e && e > f ? e - f : TimeSpan.Zero,
                Stdout = Output(last.Stdout, last.StdoutLog),
                Stderr = Output(last.Stderr, last.StderrLog),
                Error = last.State == AttemptState.Running ? last.Error ?? "the run stopped while this target was running" : last.Error,
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

    /// <summary>The complete text of a stored stream: the log file when there is one (and it still exists), else the stored text.</summary>
    public static string ReadFull(string? stored, string? logFile) =>
        logFile is not null && File.Exists(logFile) ? File.ReadAllText(logFile) : stored ?? string.Empty;

    private static CapturedOutput Output(string? stored, string? logFile)
    {
        string text = ReadFull(stored, logFile);
        return text.Length == 0 ? CapturedOutput.Empty : new CapturedOutput(text, System.Text.Encoding.UTF8.GetByteCount(text), null);
    }
}
