using Fanout.Workflows.Model;

namespace Fanout.Workflows.Planning;

/// <summary>One step in a <see cref="WorkflowPlan"/>, with what is known about it before the run.</summary>
public sealed record PlanNode
{
    /// <summary>A unique id: the step names from the top, joined with <c>/</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The parent group's id, or null for a top-level step.</summary>
    public string? ParentId { get; init; }

    /// <summary>The position label: <c>2.1</c> is stage 1 inside top-level stage 2. Siblings of a concurrent group share a stage label when they may run together.</summary>
    public required string Order { get; init; }

    /// <summary>Nesting depth (0 for top-level).</summary>
    public int Depth { get; init; }

    /// <summary>What the node does.</summary>
    public PlanNodeKind Kind { get; init; }

    /// <summary>The command or script, rendered with the known parameters and variables when possible.</summary>
    public string? Action { get; init; }

    /// <summary>True when <see cref="Action"/> is rendered; false when it is the template source (it reads values only known at run time).</summary>
    public bool ActionRendered { get; init; }

    /// <summary>The condition's source, or null.</summary>
    public string? When { get; init; }

    /// <summary>The condition's value when it can be evaluated before the run; null otherwise.</summary>
    public bool? WhenValue { get; init; }

    /// <summary>Whether the group runs its children concurrently (<c>parallel</c> or <c>parallel_limit</c>).</summary>
    public bool Concurrent { get; init; }

    /// <summary>The ids this node waits for (explicit <c>depends_on</c> and sequential order).</summary>
    public IReadOnlyList<string> After { get; init; } = [];

    /// <summary>The step definition.</summary>
    public required WorkflowStep Step { get; init; }
}
