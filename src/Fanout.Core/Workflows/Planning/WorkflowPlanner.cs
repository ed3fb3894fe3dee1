using Fanout.Expressions;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Planning;

/// <summary>Builds a <see cref="WorkflowPlan"/> from a validated workflow and its bound parameters.</summary>
public static class WorkflowPlanner
{
    /// <summary>Builds the plan. The workflow should have passed validation (cycles are broken arbitrarily).</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="parameters">Bound parameter values; commands are rendered with them where possible.</param>
    public static WorkflowPlan Build(WorkflowDefinition workflow, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var context = WorkflowContextBuilder.Build(workflow, parameters ?? new Dictionary<string, object?>(), environment: _ => null);
        var nodes = new List<PlanNode>();
        var edges = new List<PlanEdge>();
        AddSiblings(workflow.Steps, parent: null, concurrent: false, context.Context, nodes, edges);

        var hooks = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        void Hook(string where, IReadOnlyList<WorkflowStep> steps)
        {
            if (steps.Count > 0)
            {
                hooks.Add(KeyValuePair.Create<string, IReadOnlyList<string>>(where, steps.Select(s => s.Name).ToList()));
            }
        }

        Hook("on_success", workflow.OnSuccess);
        Hook("on_failure", workflow.OnFailure);
        Hook("post_execution.success", workflow.PostExecution?.Success ?? []);
        Hook("post_execution.failure", workflow.PostExecution?.Failure ?? []);
        if (workflow.Rollback is { Enabled: true } rollback)
        {
            Hook($"rollback ({string.Join(", ", rollback.Conditions)}{(rollback.Automatic ? string.Empty : ", manual")})", rollback.Steps);
        }

        return new WorkflowPlan
        {
            WorkflowName = workflow.Name,
            Description = workflow.Description,
            Nodes = nodes,
            Edges = edges,
            Hooks = hooks,
            Notes = context.Errors.Select(e => e.ToString()).ToList(),
        };
    }

    private static void AddSiblings(IReadOnlyList<WorkflowStep> steps, PlanNode? parent, bool concurrent, TemplateContext context, List<PlanNode> nodes, List<PlanEdge> edges)
    {
        var prefix = parent is null ? string.Empty : parent.Id + "/";
        var index = steps.Select((s, i) => (s, i)).GroupBy(x => x.s.Name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var deps = steps.Select(s => s.DependsOn.Where(d => index.ContainsKey(d.Name) && d.Name != s.Name).Select(d => index[d.Name]).Distinct().ToList()).ToList();

        // Stable topological order: among ready steps, concurrent groups prefer lower priority, then declaration order.
        var order = new List<int>();
        var placed = new bool[steps.Count];
        var stage = new int[steps.Count];
        while (order.Count < steps.Count)
        {
            var ready = Enumerable.Range(0, steps.Count).Where(i => !placed[i] && deps[i].All(d => placed[d])).ToList();
            if (ready.Count == 0)
            {
                ready = Enumerable.Range(0, steps.Count).Where(i => !placed[i]).Take(1).ToList(); // a cycle: validation reports it
            }

            var next = concurrent
                ? ready.OrderBy(i => deps[i].Select(d => stage[d]).DefaultIfEmpty(0).Max()).ThenBy(i => steps[i].Priority).ThenBy(i => i).First()
                : ready.Min();
            placed[next] = true;
            stage[next] = concurrent ? deps[next].Select(d => stage[d]).DefaultIfEmpty(0).Max() + 1 : order.Count + 1;
            order.Add(next);
        }

        string? previous = null;
        foreach (var i in order)
        {
            var step = steps[i];
            var id = prefix + step.Name;
            var after = deps[i].Select(d => prefix + steps[d].Name).ToList();
            foreach (var d in after)
            {
                edges.Add(new PlanEdge(d, id, Implicit: false));
            }

            if (!concurrent && previous is not null && !after.Contains(previous))
            {
                edges.Add(new PlanEdge(previous, id, Implicit: true));
                after.Insert(0, previous);
            }

            var (action, rendered) = Render(step, context);
            var (when, whenValue) = Condition(step, context);
            var node = new PlanNode
            {
                Id = id,
                ParentId = parent?.Id,
                Order = (parent is null ? string.Empty : parent.Order + ".") + stage[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
                Depth = parent is null ? 0 : parent.Depth + 1,
                Kind = step.IsGroup ? PlanNodeKind.Group : step.Script is not null ? PlanNodeKind.Script : step.Command is not null ? PlanNodeKind.Command : PlanNodeKind.Approval,
                Action = action,
                ActionRendered = rendered,
                When = when,
                WhenValue = whenValue,
                Concurrent = step.Parallel || step.ParallelLimit is not null,
                After = after,
                Step = step,
            };
            nodes.Add(node);
            previous = id;
            if (step.IsGroup)
            {
                AddSiblings(step.Steps, node, node.Concurrent, context, nodes, edges);
            }
        }
    }

    private static (string? Text, bool Rendered) Render(WorkflowStep step, TemplateContext context)
    {
        var text = step.Command ?? step.Script;
        if (text is null)
        {
            return (null, false);
        }

        var parsed = Template.Parse(text.Text, text.Origin);
        var result = parsed.Success ? parsed.Template.Render(context, RenderMode.Shell) : null;
        return result is { Success: true } ? (result.Text, true) : (text.Text, false);
    }

    private static (string? Source, bool? Value) Condition(WorkflowStep step, TemplateContext context)
    {
        if (step.When is not { } when)
        {
            return (null, null);
        }

        var parsed = Template.ParseExpression(when.Text, when.Origin);
        var result = parsed.Success ? parsed.Template.Evaluate(context) : null;
        return (when.Text, result is { Success: true } ? TemplateValues.IsTruthy(result.Value) : null);
    }
}
