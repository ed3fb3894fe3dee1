using Fanout.Cli.Tests.Trust;

namespace Fanout.Cli.Tests.Commands;

/// <summary>
/// Issue 10 item 10: an unclosed <c>{</c> followed by more lines made YamlDotNet's scanner throw InvalidOperationException
/// (exit 1, a stack trace). Every YAML error is now <c>file:line:col</c> with exit 2, for inventories and workflows alike,
/// and <c>fanout workflows</c> lists a broken file as invalid and carries on. Through the real executable.
/// </summary>
public sealed class YamlTypoTests : IDisposable
{
    private const string UnclosedMessage = "unterminated flow mapping or sequence";

    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Write(string name, string text)
    {
        string path = Path.Combine(_cli.Directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory(Timeout = 120000)]
    [InlineData("targets:\n  web-01: {host: a\n  web-02: {}\n")]
    [InlineData("targets:\n  web-01: [a, b\n  web-02: {}\n")]
    [InlineData("targets:\n  web-01: {host: a\n")]
    public async Task Inventory_UnclosedFlowCollection_ExitsTwoWithFileLineCol(string yaml)
    {
        string inventory = Write("inv.yaml", yaml);

        (int exit, _, string stderr) = await FanoutExe.RunAsync(_cli.Directory, "targets", "-i", inventory);

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Matches(@"inv\.yaml:\d+:\d+: ", stderr);
        Assert.DoesNotContain("InvalidOperationException", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData("validate")]
    [InlineData("plan")]
    [InlineData("run")]
    public async Task Workflow_UnclosedBrace_ExitsTwoWithFileLineCol(string command)
    {
        string workflow = Write("wf.yaml", "name: x\nsteps:\n  - name: a\n    with: {x: 1\n    run: echo\n");

        (int exit, string stdout, string stderr) = await FanoutExe.RunAsync(_cli.Directory, command, workflow);

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Matches(@"wf\.yaml:4:\d+: error: invalid YAML: " + UnclosedMessage, stdout + stderr);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Workflows_BrokenFile_ListedAsInvalid_OthersStillListed()
    {
        Write("wfs/bad.yaml", "name: x\nsteps:\n  - name: a\n    with: {x: 1\n    run: echo\n");
        Write("wfs/good.yaml", "name: good\nsteps:\n  - name: a\n    command: echo hi\n");

        (int exit, string stdout, string stderr) = await FanoutExe.RunAsync(_cli.Directory, "workflows", "--dir", Path.Combine(_cli.Directory, "wfs"));

        Assert.True(exit is 0 or 1, $"exit {exit}: {stderr}");
        Assert.Matches(@"bad\.yaml .*invalid", stdout);
        Assert.Contains("good.yaml", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
