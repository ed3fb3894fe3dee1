using Fanout.Runs;

namespace Fanout.Documents;

/// <summary>The history document (SPEC H2) of <c>fanout history --output json</c> and <c>GET /api/runs</c>, newest first: a public contract — add fields, never rename them.</summary>
internal sealed record HistoryDocument(IReadOnlyList<HistoryRun> Runs)
{
    /// <summary>The document of <paramref name="runs"/> in the order given.</summary>
    public static HistoryDocument From(IEnumerable<RunRecord> runs) => new([.. runs.Select(HistoryRun.From)]);
}

/// <summary>
/// One run in <see cref="HistoryDocument"/>. <c>failed</c> counts failed, timed-out and unreachable targets (as the
/// table's Failed column does); timed-out, unreachable, cancelled, not-run and skipped targets also have their own
/// fields, so <c>succeeded + failed + cancelled + notRun + skipped</c> is <c>total</c> for an ended run.
/// </summary>
internal sealed record HistoryRun(
    string RunId,
    string Kind,
    string Name,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Total,
    int Succeeded,
    int Failed,
    int TimedOut,
    int Cancelled,
    int NotRun,
    int Skipped,
    string Actor,
    string? ParentRunId)
{
    /// <summary>Added field: targets that never got a session (part of <see cref="Failed"/>).</summary>
    public int Unreachable { get; init; }

    /// <summary>The row of <paramref name="r"/>.</summary>
    public static HistoryRun From(RunRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.RunId, r.Kind, r.Name, r.Status.ToWireName(), r.StartedAt, r.EndedAt, r.Counts.Total, r.Counts.Succeeded,
            FailedOf(r.Counts), r.Counts.TimedOut, r.Counts.Cancelled, r.Counts.NotRun, r.Counts.Skipped, r.Actor, r.ParentRunId) { Unreachable = r.Counts.Unreachable };
    }

    /// <summary>What every surface calls "failed": failed, timed-out and unreachable targets (never cancelled or not-run ones).</summary>
    public static int FailedOf(RunCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Failed + counts.TimedOut + counts.Unreachable;
    }
}
