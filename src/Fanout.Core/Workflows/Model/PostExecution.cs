using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Steps run after the main steps (W12 <c>post_execution:</c>).</summary>
public sealed record PostExecution
{
    /// <summary>Run when the main steps succeeded.</summary>
    public IReadOnlyList<WorkflowStep> Success { get; init; } = [];

    /// <summary>Run when the main steps failed.</summary>
    public IReadOnlyList<WorkflowStep> Failure { get; init; } = [];

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
