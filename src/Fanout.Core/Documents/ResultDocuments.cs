using System.Text.Json;
using Fanout.Execution;
using Fanout.Runs;

namespace Fanout.Documents;

/// <summary>
/// Builds the X9 <see cref="ResultDocument"/> — from a finished <see cref="BatchResult"/> (<c>exec -o json</c>) or from the
/// store (<c>fanout export</c>, the API's export and run documents) — with one naming of the operation, one rounding of
/// durations and rates and one mapping of stored attempt states, so every surface writes the same bytes for the same run.
/// </summary>
internal static class ResultDocuments
{
    /// <summary>The document of a run that just finished in this process.</summary>
    public static ResultDocument From(BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        // Rows are made when read (their output texts are views of the captures): writing the document one target at a
        // time then holds one target's text at a time (SPEC X12).
        IReadOnlyList<TargetOutcome> outcomes = result.Outcomes;
        Dictionary<string, bool>? rolledBack = result.Rollbacks.Count == 0 ? null
            : result.Rollbacks.GroupBy(r => r.Target, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Succeeded, StringComparer.Ordinal);
        var targets = new ComputedList<ResultTarget>(outcomes.Count, i => Target(outcomes[i]) with
        {
            RolledBack = rolledBack is not null && rolledBack.TryGetValue(outcomes[i].Target, out bool ok) ? ok : null,
        });
        return new ResultDocument
        {
            RunId = result.RunId,
            Operation = result.Operation,
            StartedAt = result.StartedAt.ToUniversalTime(),
            EndedAt = result.EndedAt.ToUniversalTime(),
            Summary = Summarize([.. outcomes.Select(o => o.State.ToWireName())], live: false),
            Targets = targets,
            WaveCount = result.WaveCount,
            StopReason = result.StopReason,
            Rollbacks = result.Rollbacks.Count == 0 ? null : [.. result.Rollbacks.Select(r => new RollbackDocument(r.Target, r.Succeeded, r.Error))],
        };
    }

    /// <summary>True when <paramref name="target"/> was rolled back after an atomic batch failed, false when its rollback failed, null when none ran for it.</summary>
    public static bool? RolledBack(BatchResult result, string target)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Rollbacks.FirstOrDefault(r => r.Target == target) is { } r ? r.Succeeded : null;
    }

    /// <summary>One target's row.</summary>
    public static ResultTarget Target(TargetOutcome o) => new()
    {
        Target = o.Target,
        State = o.State.ToWireName(),
        ExitCode = o.ExitCode,
        Attempts = o.Attempts,
        Wave = o.Wave,
        StartedAt = o.StartedAt?.ToUniversalTime(),
        DurationMs = Milliseconds(o.Duration),
        Stdout = o.Stdout.Text,
        Stderr = o.Stderr.Text,
        Error = o.Error,
        Data = DataOf(o.Data),
        StdoutTruncated = o.Stdout.Lossy,
        StdoutBytes = o.Stdout.TotalBytes,
        StderrTruncated = o.Stderr.Lossy,
        StderrBytes = o.Stderr.TotalBytes,
        Commands = Operations.CommandSections.Parse(o.Stdout.Text, o.Stderr.Text),
    };

    private static Dictionary<string, JsonElement>? DataOf(IReadOnlyDictionary<string, object?>? data)
    {
        if (data is null || data.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach ((string key, object? value) in data)
        {
            result[key] = value switch
            {
                null => JsonSerializer.SerializeToElement((string?)null, DocumentJsonContext.Default.String),
                bool b => JsonSerializer.SerializeToElement(b, DocumentJsonContext.Default.Boolean),
                int i => JsonSerializer.SerializeToElement((long)i, DocumentJsonContext.Default.Int64),
                long l => JsonSerializer.SerializeToElement(l, DocumentJsonContext.Default.Int64),
                double d => JsonSerializer.SerializeToElement(d, DocumentJsonContext.Default.Double),
                JsonElement e => e,
                _ => JsonSerializer.SerializeToElement(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), DocumentJsonContext.Default.String),
            };
        }

        return result;
    }

    /// <summary>
    /// The document of stored run <paramref name="runId"/>, or <see langword="null"/> when unknown; outputs are read in full
    /// from log files. While the run is live, a target whose attempt is running shows <c>running</c> and one that never
    /// started <c>queued</c>; once it has ended they are <c>cancelled</c> and <c>not-run</c> (X9). With
    /// <paramref name="withRunFields"/> the stored run's kind, status, actor, parent and resume count are added (the API's run document).
    /// </summary>
    public static async Task<ResultDocument?> LoadAsync(IRunStore store, string runId, bool withRunFields, CancellationToken cancellationToken)
    {
        if (await StoredResults.LoadTargetsAsync(store, runId, cancellationToken).ConfigureAwait(false) is not (RunRecord run, IReadOnlyList<StoredTarget> stored))
        {
            return null;
        }

        bool live = !run.Status.IsFinal();
        var targets = new List<ResultTarget>(stored.Count);
        foreach (StoredTarget t in stored)
        {
            if (t.Last is not { } last)
            {
                targets.Add(new ResultTarget
                {
                    Target = t.Target, State = live ? "queued" : "not-run", ExitCode = null, Attempts = 0, Wave = t.Wave, StartedAt = null,
                    DurationMs = 0, Stdout = string.Empty, Stderr = string.Empty, Error = null,
                    StdoutTruncated = false, StdoutBytes = 0, StderrTruncated = false, StderrBytes = 0,
                });
                continue;
            }

            bool running = last.State == AttemptState.Running;
            (long stdoutBytes, bool stdoutLossy) = StoredResults.Measure(last.StdoutLog, t.Stdout);
            (long stderrBytes, bool stderrLossy) = StoredResults.Measure(last.StderrLog, t.Stderr);
            targets.Add(new ResultTarget
            {
                Target = t.Target,
                State = StateOf(last.State, live),
                ExitCode = last.ExitCode,
                Attempts = t.Attempts,
                Wave = t.Wave,
                StartedAt = t.StartedAt,
                DurationMs = Milliseconds(t.Duration),
                Stdout = t.Stdout,
                Stderr = t.Stderr,
                Error = running && !live ? last.Error ?? StoredResults.StoppedWhileRunning : last.Error,
                StdoutTruncated = stdoutLossy,
                StdoutBytes = stdoutBytes,
                StderrTruncated = stderrLossy,
                StderrBytes = stderrBytes,
                Commands = Operations.CommandSections.Parse(t.Stdout, t.Stderr),
            });
        }

        return new ResultDocument
        {
            RunId = run.RunId,
            Operation = await OperationNameAsync(store, run, cancellationToken).ConfigureAwait(false),
            StartedAt = run.StartedAt,
            EndedAt = run.EndedAt ?? (live ? null : run.LeaseExpiresAt ?? run.StartedAt),
            Summary = Summarize(targets, live),
            Targets = targets,
            WaveCount = stored.Count == 0 ? 1 : stored.Max(t => t.Wave),
            StopReason = run.StopReason,
            Kind = withRunFields ? run.Kind : null,
            Status = withRunFields ? run.Status.ToWireName() : null,
            Actor = withRunFields ? run.Actor : null,
            ParentRunId = withRunFields ? run.ParentRunId : null,
            ResumeCount = withRunFields ? run.ResumeCount : null,
        };
    }

    /// <summary>
    /// The one mapping of a stored attempt state to what documents show: <c>running</c> while the run is live, else the
    /// X9 state (an attempt still marked running in an ended run was stopped by the end of its run: <c>cancelled</c>).
    /// </summary>
    public static string StateOf(AttemptState state, bool live) =>
        state == AttemptState.Running && live ? "running" : state.ToTargetState().ToWireName();

    /// <summary>Durations in documents: milliseconds rounded to one decimal.</summary>
    public static double Milliseconds(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 1);

    /// <summary>Counts every target in exactly one state; <c>running</c>/<c>queued</c> only for a live run.</summary>
    public static ResultSummary Summarize(IReadOnlyList<ResultTarget> targets, bool live)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Summarize([.. targets.Select(t => t.State)], live);
    }

    /// <summary>Counts every target, given by its state, in exactly one state; <c>running</c>/<c>queued</c> only for a live run.</summary>
    public static ResultSummary Summarize(IReadOnlyList<string> states, bool live)
    {
        ArgumentNullException.ThrowIfNull(states);
        var counts = StateCounts.Of(states);
        return new ResultSummary
        {
            Total = states.Count,
            Succeeded = counts.Succeeded,
            Failed = counts.Failed,
            TimedOut = counts.TimedOut,
            Cancelled = counts.Cancelled,
            NotRun = counts.NotRun,
            Skipped = counts.Skipped,
            Unreachable = counts.Unreachable,
            SuccessRate = states.Count == 0 ? 1.0 : Math.Round((double)counts.Succeeded / states.Count, 4),
            Running = live ? counts.Running : null,
            Queued = live ? counts.Queued : null,
        };
    }

    // The operation's name as `exec -o json` writes it comes from the run's first event (run-started), which every
    // execution of the run records; runs recorded without events fall back to their history name.
    private static async Task<string> OperationNameAsync(IRunStore store, RunRecord run, CancellationToken cancellationToken)
    {
        IReadOnlyList<RunEventRecord> first = await store.GetEventsAsync(run.RunId, 0, 1, cancellationToken).ConfigureAwait(false);
        if (first is [{ Type: "RunStarted" } started])
        {
            try
            {
                using var doc = JsonDocument.Parse(started.Payload);
                if (doc.RootElement.TryGetProperty("operation", out JsonElement op) && op.ValueKind == JsonValueKind.String)
                {
                    return op.GetString()!;
                }
            }
            catch (JsonException)
            {
                // A payload this version cannot read: the history name is the best there is.
            }
        }

        return run.Name;
    }
}

/// <summary>A read-only list whose items are made by a function each time they are read (nothing is kept).</summary>
internal sealed class ComputedList<T>(int count, Func<int, T> item) : IReadOnlyList<T>
{
    public int Count => count;

    public T this[int index] => (uint)index < (uint)count ? item(index) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<T> GetEnumerator()
    {
        for (int i = 0; i < count; i++)
        {
            yield return item(i);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
