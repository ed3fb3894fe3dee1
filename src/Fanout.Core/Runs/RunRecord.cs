namespace Fanout.Runs;

/// <summary>
/// One recorded run (SPEC H1): what ran, on which selection, with which options, by whom, how it
/// ended, and who owns it while it runs. Serialized fields are opaque JSON owned by the producer
/// (the run service for exec runs); secrets are masked before they reach the record.
/// </summary>
public sealed record RunRecord
{
    /// <summary>The run id (unique).</summary>
    public required string RunId { get; init; }

    /// <summary>What kind of run: <c>exec</c>, <c>script</c>, <c>sync</c>, <c>workflow</c>, …</summary>
    public required string Kind { get; init; }

    /// <summary>The operation or workflow name shown in history.</summary>
    public required string Name { get; init; }

    /// <summary>The status. The default value is <see cref="RunStatus.Running"/>.</summary>
    public RunStatus Status { get; init; } = RunStatus.Running;

    /// <summary>Who started the run, as <c>user@host</c> (or <c>schedule:NAME</c>, a token name, …).</summary>
    public required string Actor { get; init; }

    /// <summary>The serialized target selection (inventory sources and criteria), or <see langword="null"/>.</summary>
    public string? Selectors { get; init; }

    /// <summary>The serialized execution options, or <see langword="null"/>.</summary>
    public string? Options { get; init; }

    /// <summary>The serialized parameters with secret values masked, or <see langword="null"/>.</summary>
    public string? Parameters { get; init; }

    /// <summary>The serialized operation (what to run, e.g. the command line), enough to run it again.</summary>
    public string? Operation { get; init; }

    /// <summary>The run this one retries (a new run linked to an earlier one), or <see langword="null"/>.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>When the run started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The host name of the owning process.</summary>
    public string? OwnerHost { get; init; }

    /// <summary>The process id of the owning process.</summary>
    public int? OwnerPid { get; init; }

    /// <summary>Until when the owner's lease holds; a running run past it is interrupted.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Per-state target counts.</summary>
    public RunCounts Counts { get; init; } = RunCounts.Empty;

    /// <summary>Why scheduling stopped early, or <see langword="null"/>.</summary>
    public string? StopReason { get; init; }

    /// <summary>How many times the run was resumed.</summary>
    public int ResumeCount { get; init; }
}
