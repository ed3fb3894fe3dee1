namespace Fanout.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Validate_BrokenWorkflow_PrintsEveryDiagnosticAndExitsTwo()
    {
        _cli.WriteFile("wf.yaml", """
            steps:
              - name: build
                comand: echo build
              - name: test
                command: echo {{ .versoin }}
                depends_on: [biuld]
            """);

        (int exit, string stdout, string stderr) = await _cli.RunAsync("validate", "wf.yaml");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Equal(
            """
            wf.yaml:2:5: error: step 'build' needs a 'command', a 'script' or child 'steps'
            wf.yaml:3:5: error: unknown field 'comand' in a step (did you mean 'command'?)
            wf.yaml:5:22: warning: 'versoin' is not a declared parameter, variable or condition; it must be given with --set or -e, or plan and run stop with an error
            wf.yaml:6:18: error: step 'test' depends on unknown step 'biuld' (did you mean 'build'?) (depends_on names a sibling step)

            """.ReplaceLineEndings("\n"),
            stdout.ReplaceLineEndings("\n"));
        Assert.Equal("wf.yaml: invalid (3 errors, 1 warning)\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_ValidWorkflow_ExitsZero()
    {
        _cli.WriteFile("ok.yaml", "steps:\n  - name: a\n    command: echo a\n");

        (int exit, string stdout, string stderr) = await _cli.RunAsync("validate", "ok.yaml");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("ok.yaml: valid (0 errors, 0 warnings)\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_MissingFile_ExitsTwo()
    {
        (int exit, string stdout, _) = await _cli.RunAsync("validate", "nope.yaml");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.StartsWith("nope.yaml:1:1: error: cannot read the workflow:", stdout, StringComparison.Ordinal);
    }
}
