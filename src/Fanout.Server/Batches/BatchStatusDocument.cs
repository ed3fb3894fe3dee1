namespace Fanout.Server.Batches;

/// <summary>The response of <c>GET /api/executions/batch/{id}</c> (SPEC A2). A public contract: add fields, never rename them.</summary>
internal sealed record BatchStatusDocument
{
    public required string BatchId { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The stored run status (adds <c>interrupted</c> and <c>awaiting-approval</c>), or <see langword="null"/> while queued.</summary>
    public string? RunStatus { get; init; }

    public required int Total { get; init; }

    public required BatchCounts Counts { get; init; }

    /// <summary>Finished targets as a percentage of all, 0–100.</summary>
    public required double Progress { get; init; }

    public required int Page { get; init; }

    public required int PageSize { get; init; }

    /// <summary>How many executions match the <c>status</c> filter (all pages).</summary>
    public required int Matching { get; init; }

    public required IReadOnlyList<ExecutionDocument> Executions { get; init; }

    /// <summary>The waves (batches of <c>options.batchSize</c>) in order, with their counts and state; one wave without batching.</summary>
    public IReadOnlyList<WaveDocument> Waves { get; init; } = [];

    /// <summary>The wave being processed (the first not finished), or the last one when all are.</summary>
    public int CurrentWave { get; init; }

    /// <summary>Whether "stop after this batch" was requested: the run stops when the current wave ends.</summary>
    public bool StopAfterWaveRequested { get; init; }
}

/// <summary>
/// One wave of a batch: <c>state</c> is <c>pending</c> (nothing started), <c>running</c>, <c>complete</c> (all finished,
/// none failed), <c>failed</c> (all finished, some failed, timed out or cancelled) or <c>not-run</c> (stopped before it ran).
/// </summary>
internal sealed record WaveDocument(int Wave, int Total, int Queued, int Running, int Succeeded, int Failed, int NotRun, string State);

/// <summary>Per-state target counts of a batch.</summary>
internal sealed record BatchCounts(int Queued, int Running, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped);

/// <summary>One target execution of a batch (states spelled as in X9, plus <c>queued</c> and <c>running</c>).</summary>
/// <param name="Wave">The wave the target belongs to, from 1.</param>
/// <param name="Attempts">Attempts made (0 before the first starts).</param>
/// <param name="StartedAt">When its latest attempt started, or <see langword="null"/>.</param>
internal sealed record ExecutionDocument(string ExecutionId, string NodeId, string State, int? ExitCode, double? DurationMs, string? Stdout, string? Stderr, string? Error,
    int Wave = 1, int Attempts = 0, DateTimeOffset? StartedAt = null);
