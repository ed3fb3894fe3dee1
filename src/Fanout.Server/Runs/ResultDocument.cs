using System.Globalization;
using System.Text;
using Fanout.Execution;
using Fanout.Runs;

namespace Fanout.Server.Runs;

/// <summary>The X9 result document of a stored run (the same shape as <c>fanout export</c> and <c>--output json</c>), with history fields added.</summary>
internal sealed record ResultDocument
{
    public required string RunId { get; init; }

    public required string Operation { get; init; }

    public required string Kind { get; init; }

    public required string Status { get; init; }

    public required string Actor { get; init; }

    public string? ParentRunId { get; init; }

    public string? StopReason { get; init; }

    public int ResumeCount { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public required ResultSummary Summary { get; init; }

    public required IReadOnlyList<ResultTarget> Targets { get; init; }

    public static readonly string[] CsvColumns = ["target", "state", "exitCode", "attempts", "wave", "startedAt", "durationMs", "stdout", "stderr", "error"];

    /// <summary>Loads the document of <paramref name="runId"/>, or <see langword="null"/> when unknown. Outputs are read in full from log files.</summary>
    public static async Task<ResultDocument?> LoadAsync(IRunStore store, string runId, CancellationToken cancellationToken)
    {
        if (await StoredResults.LoadTargetsAsync(store, runId, cancellationToken) is not (RunRecord run, IReadOnlyList<StoredTarget> stored))
        {
            return null;
        }

        // The same rows as `fanout export`; only a live run shows its running and queued targets as such.
        bool final = run.Status.IsFinal();
        var targets = new List<ResultTarget>(stored.Count);
        foreach (StoredTarget t in stored)
        {
            if (t.Last is not { } last)
            {
                targets.Add(new ResultTarget(t.Target, final ? "not-run" : "queued", null, 0, t.Wave, null, 0, string.Empty, string.Empty, null));
                continue;
            }

            bool running = last.State == AttemptState.Running;
            string state = running ? (final ? "cancelled" : "running") : last.State.ToWireName();
            targets.Add(new ResultTarget(t.Target, state, last.ExitCode, t.Attempts, t.Wave, t.StartedAt, t.Duration.TotalMilliseconds,
                t.Stdout, t.Stderr, running && final ? last.Error ?? StoredResults.StoppedWhileRunning : last.Error));
        }

        int Count(string s) => targets.Count(t => t.State == s);
        int succeeded = Count("succeeded");
        return new ResultDocument
        {
            RunId = run.RunId,
            Operation = run.Name,
            Kind = run.Kind,
            Status = run.Status.ToWireName(),
            Actor = run.Actor,
            ParentRunId = run.ParentRunId,
            StopReason = run.StopReason,
            ResumeCount = run.ResumeCount,
            StartedAt = run.StartedAt,
            EndedAt = run.EndedAt,
            Summary = new ResultSummary(targets.Count, succeeded, Count("failed"), Count("timed-out"), Count("cancelled"), Count("not-run"), Count("skipped"),
                targets.Count == 0 ? 1.0 : (double)succeeded / targets.Count),
            Targets = targets,
        };
    }

    /// <summary>The per-target rows as CSV (RFC 4180), same columns as the JSON targets.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', CsvColumns).Append("\r\n");
        foreach (ResultTarget t in Targets)
        {
            string?[] cells =
            [
                t.Target, t.State, t.ExitCode?.ToString(CultureInfo.InvariantCulture), t.Attempts.ToString(CultureInfo.InvariantCulture),
                t.Wave.ToString(CultureInfo.InvariantCulture), t.StartedAt?.ToString("O", CultureInfo.InvariantCulture),
                t.DurationMs.ToString("0.###", CultureInfo.InvariantCulture), t.Stdout, t.Stderr, t.Error,
            ];
            text.AppendJoin(',', cells.Select(Quote)).Append("\r\n");
        }

        return text.ToString();
    }

    private static string Quote(string? cell) =>
        cell is null ? string.Empty : cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}

/// <summary>X9 summary.</summary>
internal sealed record ResultSummary(int Total, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped, double SuccessRate);

/// <summary>X9 per-target row.</summary>
internal sealed record ResultTarget(string Target, string State, int? ExitCode, int Attempts, int Wave, DateTimeOffset? StartedAt, double DurationMs, string Stdout, string Stderr, string? Error);
