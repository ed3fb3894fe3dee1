namespace Fanout.Workflows.Engine;

/// <summary>A manual approval of a workflow step (SPEC W14).</summary>
public sealed record ApprovalRecord
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The step path.</summary>
    public required string Step { get; init; }

    /// <summary><c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
    public required string Status { get; init; }

    /// <summary>When the run started waiting.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>When it was decided.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Who decided.</summary>
    public string? Actor { get; init; }

    /// <summary>The decider's comment.</summary>
    public string? Comment { get; init; }
}
