namespace Fanout.Workflows.Planning;

/// <summary>
/// The resolved shape of a workflow run before it starts (SPEC W17 <c>plan</c>): every step node in execution order,
/// with the ordering edges between siblings. Immutable; built by <see cref="WorkflowPlanner"/>.
/// </summary>
public sealed record WorkflowPlan
{
    /// <summary>The workflow name.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>The workflow description, or null.</summary>
    public string? Description { get; init; }

    /// <summary>The main step nodes, parents before children, siblings in execution order.</summary>
    public IReadOnlyList<PlanNode> Nodes { get; init; } = [];

    /// <summary>Ordering edges among siblings.</summary>
    public IReadOnlyList<PlanEdge> Edges { get; init; } = [];

    /// <summary>Hook and rollback step lists by where they run (<c>on_success</c>, <c>rollback</c> …), as step names.</summary>
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Hooks { get; init; } = [];

    /// <summary>Values that could not be computed before the run (they are rendered at run time).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
