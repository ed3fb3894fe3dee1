using System.Text;
using Fanout.Operations;
using Fanout.Runs;

namespace Fanout.Core.Tests.Runs;

/// <summary>
/// A workflow fan-out step as a cluster worker rebuilds it (docs/scale-out.md "Workflow runs"): the definition travels as JSON,
/// and the worker's operation must run exactly what the step runs here — its shell, environment and working directory, or its script.
/// </summary>
public sealed class RunDefinitionWorkflowStepTests
{
    [Fact]
    public void CommandStep_KeepsShellEnvironmentAndWorkingDirectory_ThroughJson()
    {
        var env = new Dictionary<string, string> { ["GREETING"] = "hello world", ["B"] = "2" };
        RunDefinition step = RunDefinition.ForWorkflowStep("echo $GREETING", null, "deploy_greet.sh", "bash", env, "/srv/app");

        RunDefinition back = RunDefinition.FromJson(step.ToJson());
        CommandOperation operation = Assert.IsType<CommandOperation>(back.CreateOperation());

        Assert.Equal(("echo $GREETING", "bash", "/srv/app"), (operation.Command.ShellCommand, operation.Command.Shell, operation.Command.WorkingDirectory));
        Assert.Equal(env.OrderBy(e => e.Key), operation.Command.Environment.OrderBy(e => e.Key));
    }

    [Fact]
    public void CommandStep_RenderedForATarget_RunsTheTargetsTextWithTheStepsEnvironment()
    {
        RunDefinition step = RunDefinition.ForWorkflowStep("echo {{ .target.name }}", null, "s.sh", "sh", new Dictionary<string, string> { ["A"] = "1" }, null);

        CommandOperation operation = Assert.IsType<CommandOperation>(RunDefinition.FromJson(step.ToJson()).WithRendered("echo web-01").CreateOperation());

        Assert.Equal("echo web-01", operation.Command.ShellCommand);
        Assert.Equal("1", operation.Command.Environment["A"]);
    }

    [Fact]
    public void ScriptStep_RenderedForATarget_UploadsTheTargetsScript()
    {
        RunDefinition step = RunDefinition.ForWorkflowStep(null, "echo generic\n", "deploy_check.sh", "sh", new Dictionary<string, string>(), null);

        ScriptOperation plain = Assert.IsType<ScriptOperation>(RunDefinition.FromJson(step.ToJson()).CreateOperation());
        ScriptOperation rendered = Assert.IsType<ScriptOperation>(RunDefinition.FromJson(step.ToJson()).WithRendered("echo for web-02\n").CreateOperation());

        Assert.Equal(("deploy_check.sh", "echo generic\n"), (plain.ScriptName, Encoding.UTF8.GetString(plain.Content.Span)));
        Assert.Equal("echo for web-02\n", Encoding.UTF8.GetString(rendered.Content.Span));
    }

    [Fact]
    public void RecordedExecRun_HasNoEnvironmentOrWorkingDirectory_InItsJson()
    {
        // Only steps sent to workers carry them: a recorded run's JSON is unchanged.
        string json = RunDefinition.ForCommandLine("uptime").ToJson();

        Assert.DoesNotContain("environmentVariables", json, StringComparison.Ordinal);
        Assert.DoesNotContain("workingDirectory", json, StringComparison.Ordinal);
    }
}
