using System.Text.Json;

namespace Fanout.Cli.Tests.Trust;

/// <summary>Issue 10 items 6, 9, 11 and 13 through the real executable.</summary>
public sealed class RunTrustTests : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 120000)]
    public async Task Item06_AtomicWithoutRollback_IsRefusedBeforeAnythingRuns()
    {
        string inventory = _files.WriteInventory(2);

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--atomic", "--", $"touch {_files.Marker}");

        Assert.Equal(2, exit);
        Assert.Contains("--rollback", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }

    [Fact(Timeout = 120000)]
    public async Task Item06_AtomicWithRollback_RunsTheCompensatingCommandAndReportsRolledBack()
    {
        string inventory = _files.WriteInventory(3);
        string dir = _files.Directory;

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(dir, "exec", "-i", inventory, "--all", "--yes", "--atomic", "-p", "1",
            "--rollback", $"rm {dir}/$FANOUT_TARGET.done; echo undone >> {dir}/undo.log", "-o", "json",
            "--", $"if [ $FANOUT_TARGET = node-03 ]; then exit 4; fi; touch {dir}/$FANOUT_TARGET.done");
        var (tableExit, table, _) = await FanoutExe.RunAsync(dir, "exec", "-i", inventory, "--all", "--yes", "--atomic", "-p", "1",
            "--rollback", "true", "--", "[ $FANOUT_TARGET != node-03 ]");

        Assert.True(exit == 1, stderr);
        Assert.False(File.Exists(Path.Combine(dir, "node-01.done")));
        Assert.False(File.Exists(Path.Combine(dir, "node-02.done")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "undo.log")).Length);
        var targets = JsonDocument.Parse(stdout).RootElement.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!);
        Assert.True(targets["node-01"].GetProperty("rolledBack").GetBoolean());
        Assert.True(targets["node-02"].GetProperty("rolledBack").GetBoolean());
        Assert.False(targets["node-03"].TryGetProperty("rolledBack", out _));
        Assert.Equal(1, tableExit);
        Assert.Contains("rolled back", table, StringComparison.Ordinal);
        Assert.Contains("Rolled back: 2 targets", table, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Item09_LargeRun_GroupsIdenticalOutputsAndNeverRoundsFailuresAway()
    {
        string inventory = _files.WriteInventory(150);

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "-p", "20",
            "--", "if [ $FANOUT_TARGET = node-07 ]; then echo 'usage: x' >&2; echo 'connection refused' >&2; exit 1; fi; echo ok");

        Assert.True(exit == 1, stderr);
        Assert.Contains("149 targets succeeded: ok (node-01, node-02, node-03, …)", stdout, StringComparison.Ordinal);
        Assert.Contains("1 target failed: exit code 1: connection refused (node-07)", stdout, StringComparison.Ordinal);
        Assert.Contains("success rate 99.3%", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item09_SuccessRate_ShowsADecimalWhenSomethingFailed()
    {
        string inventory = _files.WriteInventory(3);

        var (exit, stdout, _) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--", "[ $FANOUT_TARGET != node-02 ]");

        Assert.Equal(1, exit);
        Assert.Contains("success rate 66.6%", stdout, StringComparison.Ordinal);
    }

    private string ProviderInventory(string start) => _files.WriteFile("inventory.yaml",
        "targets:\n  vm-a: { transport: local, provider: p, groups: [rg1], vars: { size: big } }\n" +
        $"providers:\n  p:\n    start: {start}\n");

    [Fact(Timeout = 120000)]
    public async Task Item11_ProviderTemplates_UseTheTemplateLanguageWithQuotedValues()
    {
        string log = Path.Combine(_files.Directory, "p.log");
        string inventory = ProviderInventory($"\"echo {{{{ .target.name | upper }}}} {{{{ .vars.size }}}} {{{{ .target.group }}}} >> {log}\"");

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "start", "-i", inventory, "--all", "--yes");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(["VM-A big rg1"], File.ReadAllLines(log));
    }

    [Theory(Timeout = 120000)]
    [InlineData("{{ .target.name | nosuchfn }}", "unknown function")]
    [InlineData("{{ .target.nosuchfield }}", "nosuchfield")]
    public async Task Item11_ProviderTemplate_UnknownFunctionOrField_IsExitTwoBeforeRunning(string template, string expected)
    {
        string inventory = ProviderInventory($"\"touch {_files.Marker}; echo {template}\"");

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "start", "-i", inventory, "--all", "--yes");

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_BooleanFlags_TakeNoValue()
    {
        string inventory = _files.WriteInventory(1);

        var (yesTrue, _, err1) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "true");
        var (quietFalse, out2, err2) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "-q", "false");

        Assert.True(yesTrue == 0, err1);
        Assert.True(quietFalse == 1, err2); // `false` ran as the command (exit 1); -q stayed on
        Assert.DoesNotContain("[1/1]", out2, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_UnknownCommandAndSubcommandErrors_NameTheCommand()
    {
        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "exce", "true");
        var (tokenExit, _, tokenErr) = await FanoutExe.RunAsync(_files.Directory, "token", "create", "--role", "god");

        Assert.Equal(2, exit);
        Assert.Contains("unknown command 'exce'", stderr, StringComparison.Ordinal);
        Assert.Contains("'exec'", stderr, StringComparison.Ordinal);
        Assert.Equal(2, tokenExit);
        Assert.Contains("fanout token create --help", tokenErr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_MaxFailPercentWithoutWaves_Warns()
    {
        string inventory = _files.WriteInventory(2);

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--max-fail-percent", "10", "true");

        Assert.Equal(0, exit);
        Assert.Contains("--max-fail-percent without --batch-size", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_ShellOption_IsHonouredForPlainCommandLines()
    {
        string inventory = _files.WriteInventory(1);

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--shell", "bash", "echo $BASH_VERSION");
        var (plain, plainOut, plainErr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--shell", "bash", "time true");

        Assert.True(exit == 0, stderr);
        Assert.Matches(@"node-01 \| \d+\.\d+", stdout);
        Assert.True(plain == 0, plainErr);
        Assert.Contains("node-01 ! real", plainOut, StringComparison.Ordinal); // bash's time keyword, not /usr/bin/time
        Assert.DoesNotContain("elapsed", plainOut, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_StopWithSelectorAndStatusAll_ConfirmOnlyWhatChangesThings()
    {
        string log = Path.Combine(_files.Directory, "p.log");
        string inventory = _files.WriteFile("inventory.yaml",
            "targets:\n  vm-a: { transport: local, provider: p, tags: { env: prod } }\n  vm-b: { transport: local, provider: p, tags: { env: prod } }\n" +
            $"providers:\n  p:\n    stop: echo stop >> {log}\n    status: echo running\n");

        var (stop, _, stopErr) = await FanoutExe.RunAsync(_files.Directory, "stop", "-i", inventory, "--tag", "env=prod");
        var (status, statusOut, statusErr) = await FanoutExe.RunAsync(_files.Directory, "status", "-i", inventory, "--all");

        Assert.Equal(2, stop);
        Assert.Contains("refusing to run stop on 2 targets", stopErr, StringComparison.Ordinal);
        Assert.DoesNotContain("all", stopErr, StringComparison.Ordinal);
        Assert.False(File.Exists(log));
        Assert.True(status == 0, statusErr);
        Assert.Contains("vm-b | running", statusOut, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_CreateWithPathInName_IsRefused()
    {
        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "create", "../evil", "--template", "rolling-deploy");

        Assert.Equal(2, exit);
        Assert.Contains("not a workflow name", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_files.Directory, "evil.yaml")));
    }

    [Fact(Timeout = 180000)]
    public async Task Item13_History_ValidatesKind_GlobsWorkflowNames_AndSaysNoRunsMatch()
    {
        string inventory = _files.WriteInventory(1);
        var (first, _, firstErr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--", "echo deploy-web");
        var (second, _, _) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--", "echo other");

        var (badKind, badOut, badErr) = await FanoutExe.RunAsync(_files.Directory, "history", "--kind", "nosuch");
        var (glob, globOut, globErr) = await FanoutExe.RunAsync(_files.Directory, "history", "--workflow", "echo d*", "-o", "json");
        var (question, questionOut, _) = await FanoutExe.RunAsync(_files.Directory, "history", "--workflow", "echo othe?", "-o", "json");
        var (none, noneOut, _) = await FanoutExe.RunAsync(_files.Directory, "history", "--workflow", "deploy*");
        var (noneKind, noneKindOut, _) = await FanoutExe.RunAsync(_files.Directory, "history", "--kind", "workflow");

        Assert.True(first == 0 && second == 0, firstErr);
        Assert.Equal(2, badKind);
        Assert.Contains("--kind 'nosuch' is not a run kind (exec, script, sync, lifecycle, device, noop, workflow)", badErr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, badOut);
        Assert.True(glob == 0, globErr);
        Assert.Equal(["echo deploy-web"], JsonDocument.Parse(globOut).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(0, question);
        Assert.Equal(["echo other"], JsonDocument.Parse(questionOut).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(0, none);
        Assert.Equal("No runs match --workflow 'deploy*'.", noneOut.Trim());
        Assert.Equal(0, noneKind);
        Assert.Equal("No runs match --kind workflow.", noneKindOut.Trim());
    }

    [Fact(Timeout = 120000)]
    public async Task Item13_EmptyInventory_Warns()
    {
        string inventory = _files.WriteFile("empty.yaml", "");

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "true");

        Assert.Equal(0, exit);
        Assert.Contains("warning: the inventory defines no targets", stderr, StringComparison.Ordinal);
    }
}
