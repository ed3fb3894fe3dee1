using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>A step of one run: its definition, path, place in the tree and current state.</summary>
internal sealed class RuntimeStep
{
    public RuntimeStep(WorkflowStep step, string path, RuntimeStep? parent, string kind)
    {
        Step = step;
        Path = path;
        Parent = parent;
        Kind = kind;
    }

    public WorkflowStep Step { get; }

    public string Path { get; }

    public RuntimeStep? Parent { get; }

    /// <summary><c>main</c> for the step tree; <c>hook</c> for hooks, fallbacks and rollback steps.</summary>
    public string Kind { get; }

    public List<RuntimeStep> Children { get; } = [];

    public StepState State { get; set; } = StepState.Pending;

    /// <summary>True when its failure does not fail its parent or the run.</summary>
    public bool FailureHandled { get; set; }

    public StepResult? Result { get; set; }

    public bool Restored { get; set; }

    /// <summary>What the last attempt of a leaf did (its outcomes), once it ran.</summary>
    public StepExecution? LastExecution { get; set; }

    /// <summary>For a main leaf: the units it is recorded as (its path, or <c>PATH/TARGET</c> per fan-out target).</summary>
    public IReadOnlyList<string> Units { get; set; } = [];

    public bool Satisfied => State is StepState.Succeeded or StepState.Skipped || FailureHandled;

    public static RuntimeStep Build(WorkflowStep step, string path, RuntimeStep? parent, string kind)
    {
        var node = new RuntimeStep(step, path, parent, kind);
        foreach (WorkflowStep child in step.Steps)
        {
            // A group's timeout is the timeout of each child that has none of its own (docs/workflows.md, W6).
            WorkflowStep inherited = child.Timeout is null && step.Timeout is { } timeout ? child with { Timeout = timeout } : child;
            node.Children.Add(Build(inherited, path + "/" + child.Name, node, kind));
        }

        return node;
    }

    public IEnumerable<RuntimeStep> Leaves() => Children.Count == 0 && !Step.IsGroup ? [this] : Children.SelectMany(c => c.Leaves());

    /// <summary>This step and every step below it, parents first.</summary>
    public IEnumerable<RuntimeStep> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);

    /// <summary>Whether this step is inside <paramref name="group"/> (at any depth).</summary>
    public bool IsWithin(RuntimeStep group)
    {
        for (RuntimeStep? p = Parent; p is not null; p = p.Parent)
        {
            if (p == group)
            {
                return true;
            }
        }

        return false;
    }
}
