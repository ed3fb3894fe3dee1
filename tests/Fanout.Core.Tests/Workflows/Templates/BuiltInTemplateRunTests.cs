using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Templates;

namespace Fanout.Core.Tests.Workflows.Templates;

/// <summary>Every built-in template runs to success on local targets with the real runner and real processes.</summary>
public sealed class BuiltInTemplateRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-template-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory(Timeout = 60000)]
    [InlineData("deployment", new string[0])]
    [InlineData("parallel-maintenance", new[] { "reboot=true" })]
    [InlineData("blue-green", new[] { "require_approval=false" })]
    [InlineData("rolling-restart", new string[0])]
    public async Task Run_BuiltInTemplate_SucceedsOnLocalTargets(string name, string[] set)
    {
        var inventoryFile = Path.Combine(_dir, "inventory.yaml");
        await File.WriteAllTextAsync(inventoryFile, "defaults: {transport: local}\ntargets:\n  web-01: {}\n  web-02: {}\n  web-03: {}\ngroups:\n  web: {targets: [web-01, web-02, web-03]}\n");
        var inventory = await InventoryLoader.LoadAsync([inventoryFile], CancellationToken.None);
        var template = TemplateCatalog.BuiltIn.Single(t => t.Name == name);
        var workflow = WorkflowParser.Parse(template.Text, name + ".yaml").Workflow!;
        var binding = ParameterBinder.Bind(workflow, new ParameterInputs { Set = set });
        Assert.Empty(binding.Errors);
        var runner = new WorkflowRunner(new WorkflowRunnerOptions { Inventory = inventory });

        var result = await runner.RunAsync(new WorkflowRunRequest { Workflow = workflow, Parameters = binding.Values }, CancellationToken.None);

        Assert.True(result.Status == RunStatus.Succeeded, $"{name}: {result.Status} {result.Error} " + string.Join("; ", result.Steps.Select(s => $"{s.Path}={s.State} {s.Error}")));
        Assert.DoesNotContain(result.Steps, s => s.State == StepState.Failed);
        if (name == "rolling-restart")
        {
            Assert.Equal(3, result.Step("restart")!.TargetOutputs.Count);
            Assert.Contains("restarting app on web-02", result.Step("restart")!.TargetOutputs["web-02"], StringComparison.Ordinal);
        }
    }
}
