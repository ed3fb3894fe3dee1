using System.Diagnostics;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>
/// A cancel or timeout that comes before the remote shell has printed its pid (a slow or loaded host: the "slow" sshd starts
/// each command 2 s late) must stop the command before it starts — never leave it running with nothing to stop it.
/// Each command starts a background job in its process group that would touch a marker 2 s after the command started.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshEarlyCancelTests(SshdFixture f)
{
    /// <summary>Long enough after the start for the marker to exist had the command run (2 s late start + 2 s), with margin.</summary>
    private static readonly TimeSpan Watched = TimeSpan.FromSeconds(8);

    [Fact(Timeout = 60000)]
    public async Task CancelBeforeThePidArrives_TheCommandNeverRuns()
    {
        string marker = Path.Combine(f.Dir, "early-" + Guid.NewGuid().ToString("N"));
        await using ISession session = await new SshTransport(Options(f)).OpenAsync(Direct(f, port: f.SlowPort), CancellationToken.None);
        var started = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(session, $"(sleep 2; touch {marker}) & wait", cts.Token));

        await WatchAsync(started);
        Assert.False(File.Exists(marker), "the command ran after its cancel");
    }

    [Fact(Timeout = 60000)]
    public async Task TimeoutBeforeThePidArrives_TheTargetTimesOut_AndItsCommandNeverRuns()
    {
        string marker = Path.Combine(f.Dir, "early-timeout-" + Guid.NewGuid().ToString("N"));
        var target = new Target { Name = "slow-01", Host = "127.0.0.1", Port = f.SlowPort, User = "root", Transport = TransportNames.Ssh, Vars = Direct(f).Vars };
        var executor = new BatchExecutor(new ExecutionOptions { Timeout = TimeSpan.FromMilliseconds(300) }, new TransportRegistry().Register(new SshTransport(Options(f))));
        var started = Stopwatch.StartNew();

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh($"(sleep 2; touch {marker}) & wait")), [target]);

        Assert.Equal(TargetState.TimedOut, result.Outcomes[0].State);
        await WatchAsync(started);
        Assert.False(File.Exists(marker), "the command ran after its timeout");
    }

    private static async Task WatchAsync(Stopwatch started)
    {
        TimeSpan left = Watched - started.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }
    }
}
