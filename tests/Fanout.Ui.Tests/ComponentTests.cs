using Bunit;
using Fanout.Server.Ui;
using Fanout.Server.Ui.Components.Forms;
using Fanout.Server.Ui.Components.Shared;
using Fanout.Server.Workflows;
using Fanout.Workflows.Model;
using static Fanout.Server.Ui.Components.Forms.ParameterForm;

namespace Fanout.Ui.Tests;

/// <summary>bUnit: the logic of the UI's Razor components without a browser (the parameter form, the step graph and its layout).</summary>
public sealed class ComponentTests : BunitContext
{
    private static WorkflowParameterDocument P(string name, string type = "string", bool required = false, bool secret = false, object? dflt = null, bool hasDefault = false,
        IReadOnlyList<object?>? allowed = null, double? min = null, double? max = null, string? pattern = null) =>
        new(name, type, null, required, secret, hasDefault, dflt, allowed, min, max, pattern, null, null);

    [Fact]
    public void ParameterForm_KindOf_SecretWinsThenChoiceThenType()
    {
        Assert.Equal(ParameterInput.Secret, KindOf(P("a", secret: true, allowed: ["x"])));
        Assert.Equal(ParameterInput.Choice, KindOf(P("b", allowed: ["eu", "us"])));
        Assert.Equal(ParameterInput.Choice, KindOf(P("c", "number", allowed: [1L, 3L])));
        Assert.Equal(ParameterInput.List, KindOf(P("d", "list", allowed: ["api", "web"]))); // several items: stays a list
        Assert.Equal(ParameterInput.Number, KindOf(P("e", "number")));
        Assert.Equal(ParameterInput.Checkbox, KindOf(P("f", "boolean")));
        Assert.Equal(ParameterInput.Json, KindOf(P("g", "object")));
        Assert.Equal(ParameterInput.Text, KindOf(P("h")));
    }

    [Fact]
    public void ParameterDocument_NeverCarriesASecretDefault_AndRequiredMeansWithoutADefault()
    {
        WorkflowParameterDocument secret = WorkflowParameterDocument.From(new WorkflowParameter { Name = "key", Secret = true, Default = "hunter2", HasDefault = true, Required = true });
        WorkflowParameterDocument plain = WorkflowParameterDocument.From(new WorkflowParameter { Name = "region", Default = "eu", HasDefault = true, Required = true });
        Assert.Null(secret.Default);
        Assert.True(secret.HasDefault);
        Assert.False(secret.Required);
        Assert.Equal("eu", plain.Default);
        Assert.False(plain.Required);
    }

    [Fact]
    public void ParameterForm_RendersTypedInputs_DefaultsFilledIn_SecretsEmpty_AndAnErrorSlotPerField()
    {
        IRenderedComponent<ParameterForm> form = Render<ParameterForm>(ps => ps
            .Add(c => c.IdPrefix, "t-")
            .Add(c => c.Parameters, new[]
            {
                P("version", required: true, pattern: "^[0-9.]+$"),
                P("replicas", "number", dflt: 2L, hasDefault: true, min: 1, max: 9),
                P("canary", "boolean", dflt: true, hasDefault: true),
                P("region", dflt: "us", hasDefault: true, allowed: ["eu", "us"]),
                P("zone", allowed: ["a", "b"]),
                P("services", "list", dflt: new List<object?> { "api", "web" }, hasDefault: true),
                P("api_key", secret: true, hasDefault: true),
            }));

        Assert.Equal("version (required)", form.Find("label[for=t-param-0]").TextContent);
        Assert.Equal("true", form.Find("[data-param=version]").GetAttribute("aria-required"));
        Assert.Contains("matching ^[0-9.]+$", form.Find("#t-param-note-0").TextContent, StringComparison.Ordinal);
        var replicas = form.Find("[data-param=replicas]");
        Assert.Equal(("number", "2", "1", "9"), (replicas.GetAttribute("type"), replicas.GetAttribute("value"), replicas.GetAttribute("min"), replicas.GetAttribute("max")));
        Assert.True(form.Find("[data-param=canary]").HasAttribute("checked"));
        Assert.Equal("us", form.Find("[data-param=region] option[selected]").GetAttribute("value"));
        Assert.Equal(["", "a", "b"], form.FindAll("[data-param=zone] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("api, web", form.Find("[data-param=services]").GetAttribute("value"));
        var secret = form.Find("[data-param=api_key]");
        Assert.Equal("password", secret.GetAttribute("type"));
        Assert.False(secret.HasAttribute("value"));
        Assert.Equal("default set (hidden)", secret.GetAttribute("placeholder"));

        // Every field names its error slot (aria-describedby), which the script fills from `parameters.NAME`.
        foreach (var input in form.FindAll("[data-param]"))
        {
            string name = input.GetAttribute("data-param")!;
            string slot = form.Find($"[data-param-error='{name}']").Id!;
            Assert.Contains(slot, input.GetAttribute("aria-describedby")!.Split(' '));
        }

        Assert.Single(form.FindAll("[data-param-error='']"));
    }

    private static WorkflowGraph Diamond(string gateState = "pending") => new("diamond", null, null,
        [
            new("build", "build", null, "command", "1", 0, "succeeded", 1, 0, null, null),
            new("deploy", "deploy", null, "group", "2", 0, "running", 0, null, null, null),
            new("deploy/api", "api", "deploy", "command", "2.1", 1, "running", 0, null, null, null),
            new("deploy/worker", "worker", "deploy", "command", "2.1", 1, "pending", 0, null, null, null),
            new("gate", "gate", null, "approval", "3", 0, gateState, 0, null, null, null),
        ],
        [new("build", "deploy", true), new("deploy", "gate", true)]);

    [Fact]
    public void GraphLayout_AStepComesAfterEverythingInsideTheGroupItWaitsFor_SiblingsStack()
    {
        GraphLayoutResult layout = GraphLayout.Compute(Diamond());
        var at = layout.Boxes.ToDictionary(b => b.Node.Id, b => (b.Layer, b.Row));
        Assert.Equal((0, 0), at["build"]);
        Assert.Equal((1, 0), at["deploy"]);
        Assert.Equal((2, 0), at["deploy/api"]);
        Assert.Equal((2, 1), at["deploy/worker"]);
        Assert.Equal((3, 0), at["gate"]);
        Assert.Equal((2 * GraphLayout.Margin) + (4 * GraphLayout.NodeWidth) + (3 * GraphLayout.GapX), layout.Width);
        Assert.Equal((2 * GraphLayout.Margin) + (2 * GraphLayout.NodeHeight) + GraphLayout.GapY, layout.Height);
    }

    [Fact]
    public void GraphLayout_ACycleIsBrokenAndUnknownEndsAreIgnored()
    {
        var graph = new WorkflowGraph("loop", null, null,
            [new("a", "a", null, "command", "1", 0, "pending", 0, null, null, null), new("b", "b", null, "command", "2", 0, "pending", 0, null, null, null)],
            [new("a", "b", false), new("b", "a", false), new("ghost", "a", false)]);
        GraphLayoutResult layout = GraphLayout.Compute(graph);
        Assert.Equal(2, layout.Boxes.Count);
        Assert.NotEqual(layout.Boxes[0].Layer, layout.Boxes[1].Layer);
    }

    [Fact]
    public void StepGraph_DrawsEveryStepWithItsStateInWords_AndListsThemAsText()
    {
        IRenderedComponent<StepGraph> graph = Render<StepGraph>(ps => ps.Add(c => c.Graph, Diamond("awaiting-approval")).Add(c => c.Live, true));
        Assert.Equal("img", graph.Find("svg").GetAttribute("role"));
        Assert.StartsWith("Step graph of diamond: 5 steps, 2 ordering edges", graph.Find("figcaption").TextContent, StringComparison.Ordinal);
        Assert.Equal(5, graph.FindAll("g.gnode").Count);
        Assert.Equal(2, graph.FindAll("path.edge:not(.contains)").Count);
        Assert.Equal(2, graph.FindAll("path.edge.contains").Count); // deploy → api, deploy → worker
        Assert.Contains("state-awaiting-approval", graph.Find("g[data-node=gate]").ClassName, StringComparison.Ordinal);
        Assert.Contains("awaiting-approval", graph.Find("g[data-node=gate] [data-state]").TextContent, StringComparison.Ordinal);
        Assert.Contains("after deploy", graph.Find("li[data-node=gate]").TextContent, StringComparison.Ordinal);
        Assert.Contains("(group)", graph.Find("li[data-node=deploy]").TextContent, StringComparison.Ordinal);
        Assert.Equal("true", graph.Find("#step-graph").GetAttribute("data-live"));
    }
}
