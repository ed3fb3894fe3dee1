using System.Globalization;
using System.Text;
using Fanout.Workflows.Parsing;

namespace Fanout.Workflows.Planning;

/// <summary>Renders a <see cref="WorkflowPlan"/> as text, a Mermaid flowchart or a Graphviz DOT graph.</summary>
public static class PlanRenderer
{
    /// <summary>A readable outline: one line per step with order, action and settings, then hooks and notes.</summary>
    public static string ToText(WorkflowPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var sb = new StringBuilder();
        sb.Append("Plan: ").Append(plan.WorkflowName);
        if (plan.Description is { } d)
        {
            sb.Append(" — ").Append(d);
        }

        sb.Append('\n');
        foreach (var node in plan.Nodes)
        {
            sb.Append(' ', 2 + (node.Depth * 2)).Append(node.Order).Append(' ').Append(node.Step.Name).Append(": ").Append(Describe(node));
            var details = Details(node);
            if (details.Count > 0)
            {
                sb.Append("  [").AppendJoin(", ", details).Append(']');
            }

            sb.Append('\n');
        }

        foreach (var (where, names) in plan.Hooks)
        {
            sb.Append("  ").Append(where).Append(": ").AppendJoin(", ", names).Append('\n');
        }

        foreach (var note in plan.Notes)
        {
            sb.Append("  note: ").Append(note).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>A Mermaid <c>flowchart TD</c>; groups become subgraphs.</summary>
    public static string ToMermaid(WorkflowPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var ids = Ids(plan);
        var sb = new StringBuilder("flowchart TD\n");
        void Emit(string? parent, int depth)
        {
            foreach (var node in plan.Nodes.Where(n => n.ParentId == parent))
            {
                var indent = new string(' ', 2 + (depth * 2));
                var label = MermaidText($"{node.Order} {node.Step.Name}");
                if (node.Kind == PlanNodeKind.Group && plan.Nodes.Any(n => n.ParentId == node.Id))
                {
                    sb.Append(indent).Append("subgraph ").Append(ids[node.Id]).Append("[\"").Append(MermaidText($"{node.Order} {node.Step.Name}{GroupSuffix(node)}")).Append("\"]\n");
                    Emit(node.Id, depth + 1);
                    sb.Append(indent).Append("end\n");
                }
                else if (node.Kind == PlanNodeKind.Approval || node.Step.ManualApproval)
                {
                    sb.Append(indent).Append(ids[node.Id]).Append("{{\"").Append(label).Append(" (approval)\"}}\n");
                }
                else
                {
                    sb.Append(indent).Append(ids[node.Id]).Append("[\"").Append(label).Append(node.When is null ? string.Empty : " (conditional)").Append("\"]\n");
                }
            }
        }

        Emit(null, 0);
        foreach (var edge in plan.Edges)
        {
            sb.Append("  ").Append(ids[edge.From]).Append(edge.Implicit ? " --> " : " ==> ").Append(ids[edge.To]).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>A Graphviz DOT digraph; groups become clusters.</summary>
    public static string ToDot(WorkflowPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var ids = Ids(plan);
        var hasChildren = plan.Nodes.Where(n => n.ParentId is not null).Select(n => n.ParentId!).ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append("digraph ").Append(DotString(plan.WorkflowName)).Append(" {\n  compound=true;\n  rankdir=TB;\n  node [shape=box];\n");
        void Emit(string? parent, int depth)
        {
            foreach (var node in plan.Nodes.Where(n => n.ParentId == parent))
            {
                var indent = new string(' ', 2 + (depth * 2));
                if (hasChildren.Contains(node.Id))
                {
                    sb.Append(indent).Append("subgraph cluster_").Append(ids[node.Id]).Append(" {\n");
                    sb.Append(indent).Append("  label=").Append(DotString($"{node.Order} {node.Step.Name}{GroupSuffix(node)}")).Append(";\n");
                    Emit(node.Id, depth + 1);
                    sb.Append(indent).Append("}\n");
                }
                else
                {
                    var shape = node.Step.ManualApproval ? ", shape=hexagon" : node.When is not null ? ", style=dashed" : string.Empty;
                    sb.Append(indent).Append(ids[node.Id]).Append(" [label=").Append(DotString($"{node.Order} {node.Step.Name}")).Append(shape).Append("];\n");
                }
            }
        }

        Emit(null, 0);
        foreach (var edge in plan.Edges)
        {
            var from = Leaf(plan, hasChildren, edge.From, last: true);
            var to = Leaf(plan, hasChildren, edge.To, last: false);
            var attributes = new List<string>();
            if (from != edge.From)
            {
                attributes.Add("ltail=cluster_" + ids[edge.From]);
            }

            if (to != edge.To)
            {
                attributes.Add("lhead=cluster_" + ids[edge.To]);
            }

            if (edge.Implicit)
            {
                attributes.Add("style=dotted");
            }

            sb.Append("  ").Append(ids[from]).Append(" -> ").Append(ids[to]);
            if (attributes.Count > 0)
            {
                sb.Append(" [").AppendJoin(", ", attributes).Append(']');
            }

            sb.Append(";\n");
        }

        return sb.Append("}\n").ToString();
    }

    private static string Leaf(WorkflowPlan plan, HashSet<string> hasChildren, string id, bool last)
    {
        while (hasChildren.Contains(id))
        {
            var children = plan.Nodes.Where(n => n.ParentId == id);
            id = (last ? children.Last() : children.First()).Id;
        }

        return id;
    }

    private static Dictionary<string, string> Ids(WorkflowPlan plan) =>
        plan.Nodes.Select((n, i) => (n.Id, i)).ToDictionary(x => x.Id, x => "n" + (x.i + 1).ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static string GroupSuffix(PlanNode node) =>
        node.Concurrent ? $" (parallel{(node.Step.ParallelLimit is { } l ? $", limit {l}" : string.Empty)})" : string.Empty;

    private static string Describe(PlanNode node)
    {
        if (node.Kind == PlanNodeKind.Group)
        {
            return node.Concurrent ? $"group, parallel{(node.Step.ParallelLimit is { } l ? $" (limit {l})" : string.Empty)}" : "group, sequential";
        }

        if (node.Action is null)
        {
            return "wait for approval";
        }

        var lines = node.Action.Trim().Split('\n');
        var first = lines[0].TrimEnd('\r');
        return (node.Kind == PlanNodeKind.Script ? "script: " : node.Step.Shell + ": ") + first + (lines.Length > 1 ? " …" : string.Empty);
    }

    private static List<string> Details(PlanNode node)
    {
        var s = node.Step;
        var d = new List<string>();
        if (node.After.Count > 0)
        {
            d.Add("after " + string.Join(", ", node.After.Select(a => a[(a.LastIndexOf('/') + 1)..])));
        }

        if (node.When is { } when)
        {
            d.Add($"when {when}{(node.WhenValue is { } v ? (v ? " → true" : " → false, skipped") : " → decided at run time")}");
        }

        if (s.ManualApproval && node.Action is not null)
        {
            d.Add("manual approval");
        }

        if (!node.ActionRendered && node.Action is not null)
        {
            d.Add("rendered at run time");
        }

        if (s.Targets is { } t)
        {
            var selectors = t.Tags.Select(x => "tag " + x).Concat(t.Patterns.Select(x => "pattern " + x)).Concat(t.Groups.Select(x => "group " + x))
                .Concat(t.Excludes.Select(x => "except " + x));
            d.Add("on " + string.Join(" ", selectors) + (t.BatchSizes.Count > 0 ? " in waves " + string.Join("/", t.BatchSizes) : string.Empty));
        }

        if (s.Timeout is { } timeout)
        {
            d.Add("timeout " + Duration.Format(timeout));
        }

        if (s.Retry is { } r)
        {
            d.Add($"retry {r.Attempts}× {r.Backoff.ToString().ToLowerInvariant()}");
        }

        if (s.Resources is { } res)
        {
            d.Add("needs " + string.Join(" ", new[] { res.MemoryBytes is { } m ? ResourceQuantity.FormatMemory(m) : null, res.Cpu is { } c ? ResourceQuantity.FormatCpu(c) + " cpu" : null }.OfType<string>()));
        }

        if (s.Priority != 0)
        {
            d.Add("priority " + s.Priority.ToString(CultureInfo.InvariantCulture));
        }

        if (s.CircuitBreaker is { } cb)
        {
            d.Add("breaker " + cb.Name);
        }

        if (s.ContinueOnError == true)
        {
            d.Add("continue on error");
        }

        if (s.Dynamic)
        {
            d.Add("dynamic");
        }

        if (s.Atomic)
        {
            d.Add("atomic");
        }

        if (s.CaptureOutput is { } capture)
        {
            d.Add("captures ." + "outputs." + capture);
        }

        if (s.Idempotent)
        {
            d.Add("idempotent");
        }

        return d;
    }

    private static string MermaidText(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);

    private static string DotString(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
