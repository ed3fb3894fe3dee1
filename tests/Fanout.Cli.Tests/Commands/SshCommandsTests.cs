using Fanout.Core.Tests.Transports.Ssh;

namespace Fanout.Cli.Tests.Commands;

[Collection(SshdCollection.Name)]
public sealed class SshCommandsTests(SshdFixture f) : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string[] Ssh => ["--ssh-config", f.SshConfig, "--known-hosts", f.KnownHosts, "--kex", "curve25519-sha256", "--connect-timeout", "5s"];

    private string Inventory(int count = 3) => _cli.WriteFile("inventory.yaml",
        "targets:\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"  web-{i:00}: {{ transport: ssh, provider: svc, groups: [web] }}\n")) +
        $"providers:\n  svc:\n    start: echo start {{{{ .target.name }}}} >> {_cli.Directory}/svc.log\n    stop: echo stop {{{{ .target.name }}}} >> {_cli.Directory}/svc.log\n");

    [Fact(Timeout = 60000)]
    public async Task Exec_OverSshTargets_RunsOnEveryTargetAsJson()
    {
        string inv = Inventory();

        var (exit, stdout, stderr) = await _cli.RunAsync(["exec", "-i", inv, "--all", "--yes", "-o", "json", .. Ssh, "echo", "hi from $(hostname)"]);

        Assert.True(exit == 0, stderr);
        Assert.Equal(3, stdout.Split("\"state\": \"succeeded\"").Length - 1 + stdout.Split("\"state\":\"succeeded\"").Length - 1);
        Assert.Contains("hi from", stdout);
    }

    [Fact(Timeout = 60000)]
    public async Task Exec_UnknownHostKeyWithoutFlag_TargetsFailNamingTheKey()
    {
        string inv = Inventory(1);
        string emptyKnown = _cli.WriteFile("known_hosts", "");

        var (exit, stdout, _) = await _cli.RunAsync(["exec", "-i", inv, "--all", "--yes", "-o", "json", "--ssh-config", f.SshConfig, "--known-hosts", emptyKnown, "true"]);
        var (accepted, _, _) = await _cli.RunAsync(["exec", "-i", inv, "--all", "--yes", "--ssh-config", f.SshConfig, "--known-hosts", emptyKnown, "--accept-new-host-keys", "true"]);

        Assert.Equal(1, exit);
        Assert.Contains("not known", stdout);
        Assert.Equal(0, accepted);
        Assert.Contains("ssh-ed25519", File.ReadAllText(emptyKnown));
    }

    [Fact(Timeout = 30000)]
    public async Task Stop_WithoutTerminalOrYes_RefusesAndRunsNothing()
    {
        string inv = Inventory(2);

        var (exit, _, stderr) = await _cli.RunAsync(["stop", "-i", inv, "--pattern", "web-01"]);

        Assert.Equal(2, exit);
        Assert.Contains("--yes", stderr);
        Assert.False(File.Exists(Path.Combine(_cli.Directory, "svc.log")));
    }

    [Fact(Timeout = 30000)]
    public async Task StartAndStop_WithProvider_RunOnControllerPerTarget()
    {
        string inv = Inventory(2);

        var (started, _, e1) = await _cli.RunAsync(["start", "-i", inv, "--all", "--yes"]);
        var (stopped, _, e2) = await _cli.RunAsync(["stop", "-i", inv, "--pattern", "web-02", "--yes"]);

        Assert.True(started == 0, e1);
        Assert.True(stopped == 0, e2);
        string[] log = File.ReadAllLines(Path.Combine(_cli.Directory, "svc.log"));
        Assert.Equal(["start web-01", "start web-02", "stop web-02"], log.Order().ToArray());
    }

    /// <summary>Used to hang in-process (the unchanged second run's empty tar stream never got its EOF).</summary>
    [Fact(Timeout = 90000)]
    public async Task Sync_OverSshTwice_CopiesThenSkipsEverything()
    {
        string inv = Inventory(3);
        string src = Path.Combine(_cli.Directory, "src");
        Directory.CreateDirectory(Path.Combine(src, "conf"));
        File.WriteAllText(Path.Combine(src, "conf", "app.ini"), "x=1\n");
        File.WriteAllBytes(Path.Combine(src, "empty"), []);
        string dest = Path.Combine(f.Dir, "cli-sync-" + Guid.NewGuid().ToString("N"));
        string[] args = ["sync", src, dest, "-i", inv, "--pattern", "web-01", "--yes", "-o", "json", "--timeout", "20s", .. Ssh];

        var (first, out1, err1) = await _cli.RunAsync(args);
        string copied = Path.Combine(dest, "conf", "app.ini");
        var old = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(copied, old); // an unchanged file is skipped, so this mark survives the second run
        var (second, out2, err2) = await _cli.RunAsync(args);

        Assert.True(first == 0, err1 + out1);
        Assert.True(second == 0, err2 + out2);
        Assert.Equal("x=1\n", File.ReadAllText(Path.Combine(dest, "conf", "app.ini")));
        Assert.True(File.Exists(Path.Combine(dest, "empty")));
        Assert.Equal(old, File.GetLastWriteTimeUtc(copied));
        Assert.Contains("\"succeeded\": 1", out2);
    }

    /// <summary>resume/retry run an ssh run again with the recorded SSH settings (ssh-config, known-hosts, kex) and the CLI's transports.</summary>
    [Theory(Timeout = 90000)]
    [InlineData("retry")]
    [InlineData("resume")]
    public async Task Continue_FailedSshTarget_RunsAgainWithRecordedSshSettings(string verb)
    {
        string inv = Inventory(2);
        string lockDir = Path.Combine(_cli.Directory, "lock");
        string log = Path.Combine(_cli.Directory, "runs.log");

        // Exactly one of the two targets gets the lock and fails; the retry then succeeds.
        var (exit, stdout, stderr) = await _cli.RunAsync(["exec", "-i", inv, "--all", "--yes", "-o", "json", .. Ssh, $"echo run >> {log}; if mkdir {lockDir} 2>/dev/null; then exit 1; fi"]);
        string runId = System.Text.RegularExpressions.Regex.Match(stdout, "\"runId\": ?\"([^\"]+)\"").Groups[1].Value;
        var (retried, out2, err2) = await _cli.RunAsync(verb == "retry" ? ["retry", runId, "--failed"] : ["resume", runId]);

        Assert.True(exit == 1, stderr + stdout);
        Assert.NotEqual("", runId);
        Assert.True(retried == 0, err2 + out2);
        Assert.Equal(3, File.ReadAllLines(log).Length);
    }

    /// <summary>A workflow step with targets: over ssh aliases (used to fail with "unknown transport 'ssh'").</summary>
    [Fact(Timeout = 90000)]
    public async Task Run_WorkflowStepWithSshTargets_RunsOnEachTarget()
    {
        string inv = Inventory(2);
        string log = Path.Combine(_cli.Directory, "wf.log");
        string workflow = _cli.WriteFile("wf.yaml", $"""
            name: ssh-steps
            steps:
              - name: hello
                command: echo hi >> {log}
                targets:
                  pattern: web-0*
            """);

        var (exit, stdout, stderr) = await _cli.RunAsync(["run", workflow, "-i", inv, "--yes", .. Ssh]);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Equal(["hi", "hi"], File.ReadAllLines(log));
    }
}
