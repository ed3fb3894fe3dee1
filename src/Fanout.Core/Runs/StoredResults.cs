namespace Fanout.Runs;

/// <summary>Reads a stored run's targets with full output from log files (what <see cref="Documents.ResultDocuments.LoadAsync"/> builds the X9 document from).</summary>
public static class StoredResults
{
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

    /// <summary>
    /// The byte count of a stored stream and whether its text is not byte-for-byte the output, as the live document
    /// reports them: the log file's length when there is one (it holds the exact bytes), and lossy when the decoded
    /// text does not encode back to that many bytes (invalid UTF-8 was replaced).
    /// </summary>
    internal static (long Bytes, bool Lossy) Measure(string? logFile, string text)
    {
        long encoded = System.Text.Encoding.UTF8.GetByteCount(text);
        if (logFile is not null && File.Exists(logFile))
        {
            long length = new FileInfo(logFile).Length;
            return (length, length != encoded);
        }

        return (encoded, false);
    }

    /// <summary>The complete text of a stored stream: the log file when there is one (and it still exists), else the stored text.</summary>
    public static string ReadFull(string? stored, string? logFile) =>
        logFile is not null && File.Exists(logFile) ? File.ReadAllText(logFile) : stored ?? string.Empty;
}
