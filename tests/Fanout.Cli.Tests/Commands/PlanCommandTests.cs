namespace Fanout.Cli.Tests.Commands;

public sealed class PlanCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private void WriteWorkflow() => _cli.WriteFile("wf.yaml", """
        parameters:
          - {name: version, required: true}
          - {name: token, secret: true, default: hunter2}
        steps:
          - name: build
            command: echo build {{ .version }} {{ .token }}
          - name: ship
            depends_on: [build]
            command: touch marker
        """);

    [Fact(Timeout = 30000)]
    public async Task Plan_Text_ShowsStepsMasksSecretsAndRunsNothing()
    {
        WriteWorkflow();

        (int exit, string stdout, string stderr) = await _cli.RunAsync("plan", "wf.yaml", "--set", "version=1.2");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal("Plan: wf\n  1 build: sh: echo build 1.2 ***\n  2 ship: sh: touch marker  [after build]\n", stdout.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_Mermaid_PrintsFlowchart()
    {
        WriteWorkflow();

        (int exit, string stdout, _) = await _cli.RunAsync("plan", "wf.yaml", "--set", "version=1", "--format", "mermaid");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("flowchart TD\n  n1[\"1 build\"]\n  n2[\"2 ship\"]\n  n1 ==> n2\n", stdout.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_MissingRequiredParameter_ExitsTwoNamingIt()
    {
        WriteWorkflow();

        (int exit, string stdout, string stderr) = await _cli.RunAsync("plan", "wf.yaml");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("fanout plan: error: parameter 'version' is required (give it with --set version=VALUE)\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Plan_InvalidWorkflow_PrintsDiagnosticsAndExitsTwo()
    {
        _cli.WriteFile("bad.yaml", "steps:\n  - name: a\n    command: echo a\n    depends_on: [b]\n");

        (int exit, _, string stderr) = await _cli.RunAsync("plan", "bad.yaml");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Equal("bad.yaml:4:18: error: step 'a' depends on unknown step 'b' (depends_on names a sibling step)\n", stderr.ReplaceLineEndings("\n"));
    }
}
