using System.Text.Json;
using Fanout.Transports.Local;

namespace Fanout.Cli.Tests.Trust;

/// <summary>Issue 10 item 7: SIGTERM and SIGHUP act like the first Ctrl-C (stop the fleet, write results, exit 128+signal).</summary>
public sealed class SignalTests : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Theory(Timeout = 180000)]
    [InlineData(15, 143)]
    [InlineData(1, 129)]
    public async Task Item07_TermOrHup_StopsEveryTargetWritesTheResultDocumentAndExits128PlusSignal(int signal, int expectedExit)
    {
        string inventory = _files.WriteInventory(3);
        string pids = Path.Combine(_files.Directory, "pids");
        Directory.CreateDirectory(pids);

        using FanoutExe run = FanoutExe.Start(_files.Directory, null,
            "exec", "-i", inventory, "--all", "--yes", "-o", "json", "--", $"echo $$ > {pids}/$FANOUT_TARGET.pid; exec sleep 33");
        List<int> running = await FanoutExe.WaitForPidFilesAsync(pids, "*.pid", 3, TimeSpan.FromSeconds(60));
        Assert.All(running, pid => Assert.True(FanoutExe.IsAlive(pid)));

        Assert.True(Signals.Send(run.Process.Id, signal));
        var (exit, stdout, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == expectedExit, $"exit {exit}: {stderr}");
        await SshTrustTests.WaitUntilGoneAsync(running);
        Assert.All(running, pid => Assert.False(FanoutExe.IsAlive(pid), $"target process {pid} is still running"));
        JsonElement summary = JsonDocument.Parse(stdout).RootElement.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("cancelled").GetInt32());
        Assert.Contains(signal == 15 ? "SIGTERM" : "SIGHUP", stderr, StringComparison.Ordinal);
    }
}
