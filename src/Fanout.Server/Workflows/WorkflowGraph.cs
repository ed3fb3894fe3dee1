using Fanout.Runs;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Planning;
using Fanout.Workflows.Validation;

namespace Fanout.Server.Workflows;

/// <summary>
/// A workflow's step DAG as data (<c>GET /api/workflows/{file}/graph</c>, <c>GET /api/runs/{id}/graph</c>): every step of the plan
/// (<see cref="WorkflowPlanner"/>) with its parent group and, for a run, its recorded state; the edges are the plan's ordering
/// constraints among siblings (<c>implicit</c> for the order of a sequential list, else an explicit <c>depends_on</c>).
/// No command text: a node says what a step is, never what it would run (no secret can leak through a graph).
/// </summary>
public sealed record WorkflowGraph(string Workflow, string? RunId, string? Status, IReadOnlyList<WorkflowGraphNode> Nodes, IReadOnlyList<WorkflowGraphEdge> Edges);

/// <summary>
/// One step. <c>kind</c> is command, script, group or approval; <c>state</c> a step state (<c>pending</c> until recorded, then
/// running, awaiting-approval, succeeded, failed, timed-out, skipped, short-circuited, cancelled, not-run).
/// </summary>
public sealed record WorkflowGraphNode(string Id, string Name, string? Parent, string Kind, string Order, int Depth, string State, int Attempts, int? ExitCode,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

/// <summary><c>from</c> finishes before <c>to</c> starts.</summary>
public sealed record WorkflowGraphEdge(string From, string To, bool Implicit);

/// <summary>Builds <see cref="WorkflowGraph"/> documents from a workflow and, for a run, its step records.</summary>
internal static class WorkflowGraphs
{
    /// <summary>The graph of a workflow definition, each step in <paramref name="steps"/>' recorded state (pending when not recorded).</summary>
    public static WorkflowGraph Build(WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> parameters, IReadOnlyList<WorkflowStepRecord> steps, string? runId,
        string? status)
    {
        WorkflowPlan plan = WorkflowPlanner.Build(workflow, parameters);
        var recorded = steps.GroupBy(s => s.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var nodes = plan.Nodes.Select(n => Node(n.Id, n.Step.Name, n.ParentId, KindName(n.Kind), n.Order, n.Depth, recorded.GetValueOrDefault(n.Id))).ToList();
        return new WorkflowGraph(workflow.Name, runId, status, nodes, [.. plan.Edges.Select(e => new WorkflowGraphEdge(e.From, e.To, e.Implicit))]);
    }

    /// <summary>The graph of a file of the workflows directory, before any run (parameters at their defaults).</summary>
    public static WorkflowGraph? ForFile(string path)
    {
        WorkflowParseResult parsed = WorkflowValidator.ValidateFile(path);
        return parsed.HasErrors ? null : Build(parsed.Workflow!, Defaults(parsed.Workflow!, []), [], null, null);
    }

    /// <summary>
    /// The graph of a workflow run: the workflow file recorded in its definition with the recorded (non-secret) values, coloured by the
    /// step records. When the file is gone or no longer valid, the recorded steps alone (parents from their paths, no edges). Null for other kinds.
    /// </summary>
    public static async Task<WorkflowGraph?> ForRunAsync(IRunStore store, RunRecord run, CancellationToken cancellationToken)
    {
        if (run.Kind != "workflow" || store.Workflows is not { } workflows)
        {
            return null;
        }

        IReadOnlyList<WorkflowStepRecord> steps = await workflows.GetStepsAsync(run.RunId, cancellationToken);
        string status = run.Status.ToWireName();
        try
        {
            if (run.Operation is { } definition && RunDefinition.FromJson(definition).Workflow is { } recorded && File.Exists(recorded.File)
                && WorkflowValidator.ValidateFile(recorded.File) is { HasErrors: false, Workflow: { } workflow })
            {
                return Build(workflow, Defaults(workflow, recorded.Set), steps, run.RunId, status);
            }
        }
        catch (FanoutException)
        {
            // An unreadable definition: fall back to the recorded steps.
        }

        var nodes = steps.Where(s => !s.Path.Contains("/on_", StringComparison.Ordinal)).Select((s, i) =>
        {
            int slash = s.Path.LastIndexOf('/');
            string? parent = slash < 0 ? null : s.Path[..slash];
            return Node(s.Path, slash < 0 ? s.Path : s.Path[(slash + 1)..], parent, "command", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                s.Path.Count(c => c == '/'), s);
        }).ToList();
        return new WorkflowGraph(run.Name, run.RunId, status, nodes, []);
    }

    private static IReadOnlyDictionary<string, object?> Defaults(WorkflowDefinition workflow, IReadOnlyList<string> set) =>
        ParameterBinder.Bind(workflow, new ParameterInputs { Set = set }, _ => string.Empty).Values;

    private static WorkflowGraphNode Node(string id, string name, string? parent, string kind, string order, int depth, WorkflowStepRecord? record) =>
        new(id, name, parent, kind, order, depth, record?.State ?? "pending", record?.Attempts ?? 0, record?.ExitCode, record?.StartedAt, record?.EndedAt);

    private static string KindName(PlanNodeKind kind) => kind switch
    {
        PlanNodeKind.Script => "script",
        PlanNodeKind.Group => "group",
        PlanNodeKind.Approval => "approval",
        _ => "command",
    };
}
