namespace Fanout.Documents;

/// <summary>
/// The status document of a batch (SPEC A2, <c>GET /api/executions/batch/{id}</c>): counts per state that always add up
/// to <see cref="Total"/>, progress, and a page of executions. A public contract: add fields, never rename them.
/// </summary>
internal sealed record BatchStatusDocument
{
    public required string BatchId { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The stored run status (adds <c>interrupted</c> and <c>awaiting-approval</c>), or <see langword="null"/> while queued.</summary>
    public string? RunStatus { get; init; }

    public required int Total { get; init; }

    public required BatchCounts Counts { get; init; }

    /// <summary>Finished targets as a percentage of all, 0–100, one decimal.</summary>
    public required double Progress { get; init; }

    public required int Page { get; init; }

    public required int PageSize { get; init; }

    /// <summary>How many executions match the <c>status</c> filter (all pages).</summary>
    public required int Matching { get; init; }

    public required IReadOnlyList<ExecutionDocument> Executions { get; init; }

    /// <summary>Builds the page of <paramref name="rows"/> (every target of the batch, in order) matching <paramref name="states"/>.</summary>
    public static BatchStatusDocument Build(string batchId, string status, string? runStatus, IReadOnlyList<ExecutionDocument> rows,
        IReadOnlySet<string>? states, int page, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(rows);
        StateCounts c = StateCounts.Of(rows.Select(r => r.State));
        IReadOnlyList<ExecutionDocument> matching = states is null ? rows : [.. rows.Where(r => states.Contains(r.State))];
        return new BatchStatusDocument
        {
            BatchId = batchId,
            Status = status,
            RunStatus = runStatus,
            Total = rows.Count,
            Counts = new BatchCounts(c.Queued, c.Running, c.Succeeded, c.Failed, c.TimedOut, c.Cancelled, c.NotRun, c.Skipped),
            Progress = PercentDone(c.Finished, rows.Count, status is "queued" or "running"),
            Page = page,
            PageSize = pageSize,
            Matching = matching.Count,
            Executions = [.. matching.Skip((page - 1) * pageSize).Take(pageSize)],
        };
    }

    /// <summary>The one progress figure (status pages and SSE): finished of total in percent, one decimal, never above 100.</summary>
    public static double PercentDone(int finished, int total, bool live) =>
        total <= 0 ? (live ? 0 : 100) : Math.Round(100.0 * Math.Clamp(finished, 0, total) / total, 1);
}

/// <summary>Per-state target counts of a batch; they add up to the batch's total.</summary>
internal sealed record BatchCounts(int Queued, int Running, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped);

/// <summary>One target execution of a batch (states spelled as in X9, plus <c>queued</c> and <c>running</c>).</summary>
internal sealed record ExecutionDocument(string ExecutionId, string NodeId, string State, int? ExitCode, double? DurationMs, string? Stdout, string? Stderr, string? Error);
