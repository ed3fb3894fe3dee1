using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Core.Tests.Transports.Local;

public sealed class LocalTransportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-local-").FullName;
    private readonly LocalTransport _transport = new(new LocalTransportOptions { TerminationGracePeriod = TimeSpan.FromMilliseconds(300) });

    private static readonly Target Web = new()
    {
        Name = "web-01",
        Host = "10.0.0.1",
        Port = 2222,
        User = "deploy",
        Groups = ["web", "prod"],
        Tags = new Dictionary<string, string> { ["role"] = "frontend", ["cost-center"] = "42" },
        Vars = new Dictionary<string, object?> { ["http.port"] = 8080, ["debug"] = true, ["name"] = "x", ["list"] = new List<object> { "a" } },
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ShellCommand_SeesTargetEnvironment()
    {
        (CommandResult result, string stdout, _) = await RunAsync(Web, CommandSpec.Sh(
            "echo \"$FANOUT_TARGET|$FANOUT_HOST|$FANOUT_PORT|$FANOUT_USER|$FANOUT_GROUPS|$FANOUT_TAG_ROLE|$FANOUT_TAG_COST_CENTER|$FANOUT_VAR_HTTP_PORT|$FANOUT_VAR_DEBUG|$FANOUT_VAR_NAME|${FANOUT_VAR_LIST-unset}\""));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("web-01|10.0.0.1|2222|deploy|web,prod|frontend|42|8080|true|x|unset\n", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_Argv_PassesArgumentsVerbatim()
    {
        (CommandResult result, string stdout, _) = await RunAsync(Web, CommandSpec.Exec("printf", "[%s]", "a b", "$HOME", "*"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[a b][$HOME][*]", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_CommandEnvironmentAndStdin_AreApplied()
    {
        var spec = CommandSpec.Sh("cat; echo \"$EXTRA\"") with
        {
            Environment = new Dictionary<string, string> { ["EXTRA"] = "more" },
            StandardInput = "from stdin\n"u8.ToArray(),
        };

        (_, string stdout, _) = await RunAsync(Web, spec);

        Assert.Equal("from stdin\nmore\n", stdout);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_TwentyMegabytesOnBothStreams_DoesNotDeadlock()
    {
        const long size = 20L * 1024 * 1024;
        await using ISession session = await _transport.OpenAsync(Web, CancellationToken.None);
        using var stdout = new OutputCapture(64 * 1024);
        using var stderr = new OutputCapture(64 * 1024);

        // Interleaved writers: a reader that drains one pipe before the other would block the child.
        CommandResult result = await session.RunAsync(
            CommandSpec.Sh($"head -c {size} /dev/zero >&2 & head -c {size} /dev/zero; wait"), stdout, stderr, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(size, stdout.TotalBytes);
        Assert.Equal(size, stderr.TotalBytes);
    }

    [Theory(Timeout = 30000)]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("exit 255", 255)]
    public async Task RunAsync_ExitCode_IsReported(string line, int expected)
    {
        (CommandResult result, _, _) = await RunAsync(Web, CommandSpec.Sh(line));

        Assert.Equal(expected, result.ExitCode);
        Assert.Null(result.Signal);
    }

    [Theory(Timeout = 30000)]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task RunAsync_KilledBySignal_ReportsSignalName(string signal)
    {
        (CommandResult result, _, _) = await RunAsync(Web, CommandSpec.Exec("sh", "-c", $"kill -{signal} $$"));

        Assert.Null(result.ExitCode);
        Assert.Equal(signal, result.Signal);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_MissingProgram_IsExit127WithReason()
    {
        (CommandResult result, _, string stderr) = await RunAsync(Web, CommandSpec.Exec("/nonexistent/program"));

        Assert.Equal(127, result.ExitCode);
        Assert.Contains("/nonexistent/program", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_CancelShell_KillsChildAndBackgroundedGrandchild()
    {
        string pidFile = Path.Combine(_dir, "pids");
        var spec = CommandSpec.Sh($"echo $$ > {pidFile}; sleep 100 & echo $! >> {pidFile}; sleep 100 & echo $! >> {pidFile}; wait");

        int[] pids = await CancelWhenStartedAsync(spec, pidFile, 3);

        Assert.Empty(await ProcessProbe.WaitDeadAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ShellExitedButOrphanHoldsPipe_CancelKillsOrphan()
    {
        // The shell exits at once; its background sleep is re-parented and keeps stdout open.
        string pidFile = Path.Combine(_dir, "pids");
        var spec = CommandSpec.Sh($"sleep 100 & echo $! > {pidFile}");

        int[] pids = await CancelWhenStartedAsync(spec, pidFile, 1);

        Assert.Empty(await ProcessProbe.WaitDeadAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_CancelArgv_KillsProcessTree()
    {
        string pidFile = Path.Combine(_dir, "pids");
        var spec = CommandSpec.Exec("sh", "-c", $"echo $$ > {pidFile}; sleep 100 & echo $! >> {pidFile}; wait");

        int[] pids = await CancelWhenStartedAsync(spec, pidFile, 2);

        Assert.Empty(await ProcessProbe.WaitDeadAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ProcessIgnoringTerm_IsKilledAfterGracePeriod()
    {
        string pidFile = Path.Combine(_dir, "pids");
        var spec = CommandSpec.Sh($"trap '' TERM; echo $$ > {pidFile}; while :; do sleep 0.05; done");

        int[] pids = await CancelWhenStartedAsync(spec, pidFile, 1);

        Assert.Empty(await ProcessProbe.WaitDeadAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_CancelledTheMomentItStarts_StopsAtOnce_AndTheCommandNeverRunsOn()
    {
        // Cancelled within a millisecond or so of the start, before setsid(1) has made the process group, the command was
        // still stopped only after the grace period (the SIGTERM to the group was lost): long enough to run to its end.
        var transport = new LocalTransport(new LocalTransportOptions { TerminationGracePeriod = TimeSpan.FromSeconds(3) });
        await using ISession session = await transport.OpenAsync(Web, CancellationToken.None);
        for (int i = 0; i < 40; i++)
        {
            string ran = Path.Combine(_dir, "ran-" + i);
            using var stdout = new OutputCapture();
            using var stderr = new OutputCapture();
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(i % 4));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await session.RunAsync(CommandSpec.Sh($"sleep 1; touch {ran}"), stdout, stderr, cts.Token);
            }
            catch (OperationCanceledException)
            {
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"attempt {i}: stopped only after {clock.Elapsed}");
        }

        await Task.Delay(1500); // a command that escaped the cancel would have touched its file by now
        Assert.Empty(Directory.GetFiles(_dir, "ran-*"));
    }

    [Fact(Timeout = 30000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task UploadAsync_WritesContentWithMode()
    {
        string path = Path.Combine(_dir, "sub", "script.sh");
        await using ISession session = await _transport.OpenAsync(Web, CancellationToken.None);

        await session.UploadAsync(new MemoryStream("#!/bin/sh\necho up\n"u8.ToArray()), path, 0x1ED /* 0755 */, CancellationToken.None);

        Assert.Equal("#!/bin/sh\necho up\n", await File.ReadAllTextAsync(path));
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(path));
        (CommandResult result, string stdout, _) = await RunAsync(Web, CommandSpec.Exec(path));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("up\n", stdout);
    }

    private async Task<int[]> CancelWhenStartedAsync(CommandSpec spec, string pidFile, int pidCount)
    {
        await using ISession session = await _transport.OpenAsync(Web, CancellationToken.None);
        using var stdout = new OutputCapture();
        using var stderr = new OutputCapture();
        using var cts = new CancellationTokenSource();
        Task<CommandResult> run = session.RunAsync(spec, stdout, stderr, cts.Token);

        int[] pids = await ProcessProbe.ReadPidsAsync(pidFile, pidCount, TimeSpan.FromSeconds(10));
        Assert.All(pids, pid => Assert.True(ProcessProbe.IsAlive(pid), $"pid {pid} should run before the cancel"));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        return pids;
    }

    private async Task<(CommandResult Result, string Stdout, string Stderr)> RunAsync(Target target, CommandSpec spec)
    {
        await using ISession session = await _transport.OpenAsync(target, CancellationToken.None);
        using var stdout = new OutputCapture();
        using var stderr = new OutputCapture();
        CommandResult result = await session.RunAsync(spec, stdout, stderr, CancellationToken.None);
        return (result, stdout.Complete().Text, stderr.Complete().Text);
    }
}
