using System.Text.Json;

namespace Fanout.Cli.Tests.Trust;

/// <summary>Issue 10 items 3, 4 and 5: --exclude speaks the Ansible pattern language, typos warn (or fail with --strict), the prompt shows what will run.</summary>
public sealed class SelectionTrustTests : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    private string AnsibleInventory() => _files.WriteFile("hosts.ini", """
        [web]
        web01 ansible_connection=local
        web02 ansible_connection=local
        [api]
        api01 ansible_connection=local
        [db]
        db01 ansible_connection=local
        db02 ansible_connection=local
        [prod:children]
        web
        db
        """);

    private static List<string> Names(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();

    [Theory(Timeout = 120000)]
    [InlineData("db", "api01,web01,web02")]
    [InlineData("prod", "api01")]
    [InlineData("web:api", "db01,db02")]
    [InlineData("~db0[12]", "api01,web01,web02")]
    [InlineData("web0*", "api01,db01,db02")]
    public async Task Item03_Exclude_TakesGroupsGlobsRegexesAndUnions(string exclude, string expected)
    {
        string inventory = AnsibleInventory();

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "targets", "-i", inventory, "--all", "--exclude", exclude, "-o", "json");

        Assert.True(exit == 0, stderr);
        Assert.Equal(expected.Split(','), Names(stdout).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 120000)]
    public async Task Item03_ExcludeOnExec_DoesNotRunOnExcludedGroup()
    {
        string inventory = AnsibleInventory();
        string log = Path.Combine(_files.Directory, "ran.log");

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--exclude", "db", "--", $"echo $FANOUT_TARGET >> {log}");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(["api01", "web01", "web02"], File.ReadAllLines(log).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 180000)]
    public async Task Item03_WorkflowTargetsExclude_TakesThePatternLanguage_AndAMalformedOneIsAPositionedError()
    {
        string inventory = AnsibleInventory();
        string log = Path.Combine(_files.Directory, "wf.log");
        string workflow = _files.WriteFile("wf.yaml", $"""
            name: excluding
            steps:
              - name: touch
                command: echo $FANOUT_TARGET >> {log}
                targets:
                  pattern: "*"
                  exclude: [db, "~web0[2]"]
            """);
        string broken = _files.WriteFile("broken.yaml", """
            name: broken
            steps:
              - name: touch
                command: "true"
                targets:
                  group: web
                  exclude: "~web(("
            """);

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "run", workflow, "-i", inventory, "--yes");
        var (invalid, invalidOut, invalidErr) = await FanoutExe.RunAsync(_files.Directory, "validate", broken);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(["api01", "web01"], File.ReadAllLines(log).Order(StringComparer.Ordinal));
        Assert.Equal(2, invalid);
        Assert.Matches(@"broken\.yaml:7:\d+: .*'exclude'", invalidOut + invalidErr);
    }

    [Fact(Timeout = 120000)]
    public async Task Item04_LimitPartMatchingNothing_WarnsNamingIt()
    {
        string inventory = AnsibleInventory();
        string log = Path.Combine(_files.Directory, "ran.log");

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--limit", "web01,wbe02", "--", $"echo $FANOUT_TARGET >> {log}");
        var (none, _, noneErr) = await FanoutExe.RunAsync(_files.Directory, "targets", "-i", inventory, "--pattern", "wbe*");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("warning: --limit: 'wbe02' matches no target or group", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("'web01'", stderr, StringComparison.Ordinal);
        Assert.Equal(["web01"], File.ReadAllLines(log));
        Assert.Equal(0, none);
        Assert.Contains("warning: --pattern 'wbe*' matches no target", noneErr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item04_Strict_MakesAnUnmatchedPartOrAnEmptySelectionExitTwoWithoutRunning()
    {
        string inventory = AnsibleInventory();
        string log = Path.Combine(_files.Directory, "ran.log");

        var (typo, _, typoErr) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--limit", "web01,wbe02", "--strict", "--", $"echo x >> {log}");
        var (excludeTypo, _, _) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--all", "--yes", "--exclude", "dbb", "--strict", "--", $"echo x >> {log}");
        var (empty, _, emptyErr) = await FanoutExe.RunAsync(_files.Directory, "targets", "-i", inventory, "--group", "web", "--tag", "nosuch", "--strict");
        Directory.CreateDirectory(Path.Combine(_files.Directory, ".config", "fanout"));
        File.WriteAllText(Path.Combine(_files.Directory, ".config", "fanout", "config.yaml"), "strict: true\n");
        var (byConfig, _, _) = await FanoutExe.RunAsync(_files.Directory, "exec", "-i", inventory, "--limit", "wbe02", "--", $"echo x >> {log}");

        Assert.Equal(2, typo);
        Assert.Contains("'wbe02'", typoErr, StringComparison.Ordinal);
        Assert.Equal(2, excludeTypo);
        Assert.Equal(2, empty);
        Assert.Contains("empty", emptyErr, StringComparison.Ordinal);
        Assert.Equal(2, byConfig);
        Assert.False(File.Exists(log));
    }

    [Fact(Timeout = 60000)]
    public async Task Item05_ConfirmationPrompt_ShowsCommandCountsPerGroupAndFirstNames()
    {
        string inventory = _files.WriteInventory(7);
        var console = new TestConsoleOutput { IsInteractive = true };
        console.Answer("n");

        var (exit, _, stderr) = await _files.RunAsync(console, "exec", "-i", inventory, "--all", "--", $"touch {_files.Marker}");

        Assert.Equal(2, exit);
        Assert.Equal($"Run exec 'touch {_files.Marker}' on 7 targets? [y/N] ", Assert.Single(console.Questions));
        Assert.Contains("groups: db (5), web (2)", stderr, StringComparison.Ordinal);
        Assert.Contains("tags: env=prod (4), env=staging (3)", stderr, StringComparison.Ordinal);
        Assert.Contains("targets: node-01, node-02, node-03, node-04, node-05, … (2 more)", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }
}
