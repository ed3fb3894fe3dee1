using Fanout.Workflows;
using Fanout.Workflows.Planning;

namespace Fanout.Core.Tests.Workflows.Planning;

public sealed class WorkflowPlannerTests
{
    private const string Yaml = """
        name: demo
        parameters:
          - name: version
            default: "1.0"
          - name: services
            type: list
            default: [api, "web app"]
        variables:
          dir: "/srv/{{ .version }}"
        steps:
          - name: build
            command: make {{ .dir }}
          - name: deploy
            parallel: true
            steps:
              - name: c
                command: echo c
                depends_on: [a]
              - name: b
                command: echo b {{ .services }}
                priority: 2
              - name: a
                command: echo a
                priority: 1
          - name: check
            command: echo {{ .outputs.report }}
            when: .version != '0'
          - name: approve
            manual_approval: true
        on_failure:
          - echo failed
        """;

    private static WorkflowPlan Plan(params string[] sets)
    {
        var wf = WorkflowParser.Parse(Yaml, "demo.yaml").Workflow!;
        var bound = ParameterBinder.Bind(wf, new Fanout.Workflows.Parameters.ParameterInputs { Set = sets });
        Assert.True(bound.Success);
        return WorkflowPlanner.Build(wf, bound.Values);
    }

    [Fact]
    public void Build_SequentialAndParallelLists_OrdersAndStagesSteps()
    {
        var plan = Plan();

        Assert.Equal(
            ["1 build", "2 deploy", "2.1 a", "2.1 b", "2.2 c", "3 check", "4 approve"],
            plan.Nodes.Select(n => $"{n.Order} {n.Step.Name}"));
        Assert.Equal(
            [new PlanEdge("build", "deploy", true), new PlanEdge("deploy/a", "deploy/c", false), new PlanEdge("deploy", "check", true), new PlanEdge("check", "approve", true)],
            plan.Edges);
        Assert.Equal(PlanNodeKind.Approval, plan.Nodes[^1].Kind);
    }

    [Fact]
    public void Build_RendersCommandsInShellModeWhenKnown()
    {
        var plan = Plan("version=2.0");

        Assert.Equal("make /srv/2.0", plan.Nodes[0].Action);
        Assert.Equal("echo b api 'web app'", plan.Nodes.Single(n => n.Id == "deploy/b").Action);
        var check = plan.Nodes.Single(n => n.Id == "check");
        Assert.False(check.ActionRendered);
        Assert.Equal("echo {{ .outputs.report }}", check.Action);
        Assert.True(check.WhenValue);
    }

    [Fact]
    public void ToText_ShowsOutline()
    {
        Assert.Equal(
            """
            Plan: demo
              1 build: sh: make /srv/1.0
              2 deploy: group, parallel  [after build]
                2.1 a: sh: echo a  [priority 1]
                2.1 b: sh: echo b api 'web app'  [priority 2]
                2.2 c: sh: echo c  [after a]
              3 check: sh: echo {{ .outputs.report }}  [after deploy, when .version != '0' → true, rendered at run time]
              4 approve: wait for approval  [after check]
              on_failure: on_failure[1]

            """.ReplaceLineEndings("\n"),
            PlanRenderer.ToText(Plan()));
    }

    [Fact]
    public void ToMermaid_UsesSubgraphsForGroups()
    {
        Assert.Equal(
            """
            flowchart TD
              n1["1 build"]
              subgraph n2["2 deploy (parallel)"]
                n3["2.1 a"]
                n4["2.1 b"]
                n5["2.2 c"]
              end
              n6["3 check (conditional)"]
              n7{{"4 approve (approval)"}}
              n1 --> n2
              n3 ==> n5
              n2 --> n6
              n6 --> n7

            """.ReplaceLineEndings("\n"),
            PlanRenderer.ToMermaid(Plan()));
    }

    [Fact]
    public void ToDot_UsesClustersAndCompoundEdges()
    {
        Assert.Equal(
            """
            digraph "demo" {
              compound=true;
              rankdir=TB;
              node [shape=box];
              n1 [label="1 build"];
              subgraph cluster_n2 {
                label="2 deploy (parallel)";
                n3 [label="2.1 a"];
                n4 [label="2.1 b"];
                n5 [label="2.2 c"];
              }
              n6 [label="3 check", style=dashed];
              n7 [label="4 approve", shape=hexagon];
              n1 -> n3 [lhead=cluster_n2, style=dotted];
              n3 -> n5;
              n5 -> n6 [ltail=cluster_n2, style=dotted];
              n6 -> n7 [style=dotted];
            }

            """.ReplaceLineEndings("\n"),
            PlanRenderer.ToDot(Plan()));
    }

    [Fact]
    public void ContextBuilder_RendersVariablesThenConditionsInOrder()
    {
        var wf = WorkflowParser.Parse("""
            parameters: [{name: env, default: prod}]
            variables:
              a: "{{ .env }}-1"
              list: "{{ ['x', .a] }}"
            conditions:
              - {name: is_prod, expression: ".env == 'prod'"}
              - {name: both, expression: ".is_prod and (len .list) == 2"}
            steps: [{name: s, command: echo}]
            """).Workflow!;

        var result = WorkflowContextBuilder.Build(wf, new Dictionary<string, object?> { ["env"] = "prod" });

        Assert.Empty(result.Errors);
        Assert.Equal("prod-1", result.Context.Root["a"]);
        Assert.Equal(new List<object?> { "x", "prod-1" }, result.Context.Root["list"]);
        Assert.Equal(true, result.Context.Root["both"]);
        Assert.Equal(true, ((IReadOnlyDictionary<string, object?>)result.Context.Root["conditions"]!)["is_prod"]);
    }
}
