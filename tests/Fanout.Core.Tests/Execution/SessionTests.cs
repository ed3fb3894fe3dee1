using Fanout.Core.Tests.Support;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;

namespace Fanout.Core.Tests.Execution;

public sealed class SessionTests
{
    private static IOperation RunCommand(string name) => Fleet.Op(
        async (t, ctx, ct) =>
        {
            ISession session = await ctx.GetSessionAsync(ct);
            using OutputCapture stdout = ctx.CreateOutputCapture("stdout");
            using OutputCapture stderr = ctx.CreateOutputCapture("stderr");
            CommandResult exit = await session.RunAsync(CommandSpec.Sh(name), stdout, stderr, ct);
            await Task.Yield();
            return new OperationResult { Success = exit.Succeeded, ExitCode = exit.ExitCode, Stdout = stdout.Complete() };
        },
        name);

    [Fact(Timeout = 30000)]
    public async Task Chain_ThreeSteps_OneSessionPerTargetClosedAtWaveEnd()
    {
        var transport = new FakeTransport();
        var tracker = new ProgressTracker();
        var openAtWaveStart = new List<int>();
        tracker.OnEvent(e =>
        {
            if (e is WaveStarted)
            {
                openAtWaveStart.Add(transport.Open);
            }
        });
        var options = new ExecutionOptions { MaxConcurrency = 3, BatchSizes = [new WaveSize(4, false)] };
        var chain = new OperationChain(stopOnFailure: true).Then(RunCommand("one")).Then(RunCommand("two")).Then(RunCommand("three"));

        IReadOnlyList<BatchResult> steps = await chain.ExecuteAsync(Fleet.Executor(options, transport: transport), Fleet.Targets(10), tracker, cancellationToken: Fleet.TestTimeout());

        Assert.Equal(3, steps.Count);
        Assert.All(steps, s => Assert.True(s.AllSucceeded));
        Assert.Equal(["one", "two", "three"], steps.Select(s => s.Operation));
        Assert.Equal("t4: three\n", steps[2].Outcomes[4].Stdout.Text);
        Assert.Equal(10, transport.Opened);
        Assert.InRange(transport.Peak, 1, 4);
        Assert.Equal([0, 0, 0], openAtWaveStart);
        Assert.Equal(0, transport.Open);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_UnknownTransport_FailsTheTargetWithClearError()
    {
        var targets = new List<Fanout.Inventory.Target> { new() { Name = "x", Transport = "telnet" } };

        BatchResult result = await Fleet.Executor(new ExecutionOptions()).ExecuteAsync(RunCommand("one"), targets, cancellationToken: Fleet.TestTimeout());

        Assert.Equal(TargetState.Failed, result.Outcomes[0].State);
        Assert.Equal("unknown transport 'telnet' (known: fake)", result.Outcomes[0].Error);
    }

    [Fact(Timeout = 30000)]
    public async Task CreateOutputCapture_BeyondCap_SpillsUnderRunIdTargetAttemptStream()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fanout-spill-test-" + Guid.NewGuid().ToString("N"));
        IOperation op = Fleet.Op((_, ctx, _) =>
        {
            using OutputCapture capture = ctx.CreateOutputCapture("stdout");
            capture.Write("0123456789");
            return Task.FromResult(new OperationResult { Success = true, Stdout = capture.Complete() });
        });
        try
        {
            BatchResult result = await Fleet.Executor(new ExecutionOptions { OutputCap = 4, SpillDirectory = dir })
                .ExecuteAsync(op, Fleet.Targets(1), runId: "run7", cancellationToken: Fleet.TestTimeout());

            CapturedOutput stdout = result.Outcomes[0].Stdout;
            // The window is head and tail (a quarter of the cap): 3 + 1 bytes here.
            Assert.Equal("012\n[… 6 bytes not shown …]\n9", stdout.Text);
            // ROOT/RUNID.RANDOM/TARGET.ATTEMPT.STREAM.log: a directory of its own per run (SpillDirectory).
            Assert.Equal("t0.1.stdout.log", Path.GetFileName(stdout.SpillPath));
            string runDirectory = Path.GetDirectoryName(stdout.SpillPath)!;
            Assert.Equal(dir, Path.GetDirectoryName(runDirectory));
            Assert.StartsWith("run7.", Path.GetFileName(runDirectory), StringComparison.Ordinal);
            Assert.Equal("0123456789", stdout.ReadAll());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_ConnectionLostMidAttempt_RetryReconnects()
    {
        var transport = new FakeTransport();
        transport.DropsFirstSession.Add("t1");

        BatchResult result = await Fleet.Executor(new ExecutionOptions { Retries = 1, RetryDelay = TimeSpan.Zero }, transport: transport)
            .ExecuteAsync(RunCommand("one"), Fleet.Targets(2), cancellationToken: Fleet.TestTimeout());

        Assert.True(result.AllSucceeded);
        Assert.Equal(2, result.Outcomes[1].Attempts);
        Assert.Equal(3, transport.Opened);
        Assert.Equal(0, transport.Open);
    }
}
