using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Core.Tests.Execution;

/// <summary>Output printed before a timeout or cancel is kept (SPEC X13), with real local processes.</summary>
public sealed class PartialOutputTests
{
    private static BatchExecutor Executor(ExecutionOptions options) =>
        new(options, new TransportRegistry().Register(new LocalTransport(new LocalTransportOptions { TerminationGracePeriod = TimeSpan.FromMilliseconds(200) })));

    private static Target Local(string name) => new() { Name = name, Transport = TransportNames.Local };

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_TimedOut_KeepsWhatWasPrintedBefore()
    {
        var options = new ExecutionOptions { Timeout = TimeSpan.FromSeconds(2) };
        var op = new CommandOperation(CommandSpec.Sh("echo before-timeout; echo err-before >&2; sleep 60; echo never"));

        BatchResult result = await Executor(options).ExecuteAsync(op, [Local("t1")]);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.Equal(TargetState.TimedOut, outcome.State);
        Assert.Equal("before-timeout\n", outcome.Stdout.Text);
        Assert.Equal("err-before\n", outcome.Stderr.Text);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_Cancelled_KeepsWhatWasPrintedBefore()
    {
        using var cts = new CancellationTokenSource();
        var options = new ExecutionOptions { CancellationGracePeriod = TimeSpan.FromSeconds(10) };
        string marker = Path.Combine(Path.GetTempPath(), "fanout-partial-" + Guid.NewGuid().ToString("N"));
        var op = new CommandOperation(CommandSpec.Sh($"echo before-cancel; touch {marker}; sleep 60"));

        Task<BatchResult> run = Executor(options).ExecuteAsync(op, [Local("c1")], cancellationToken: cts.Token);
        while (!File.Exists(marker))
        {
            await Task.Delay(50);
        }

        await cts.CancelAsync();
        BatchResult result = await run;
        File.Delete(marker);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.Equal(TargetState.Cancelled, outcome.State);
        Assert.Equal("before-cancel\n", outcome.Stdout.Text);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_TimedOutAfterLargeOutput_SpillFileHoldsEveryByte()
    {
        string spill = Directory.CreateTempSubdirectory("fanout-spill-").FullName;
        var options = new ExecutionOptions { Timeout = TimeSpan.FromSeconds(3), SpillDirectory = spill, OutputCap = 4096 };
        var op = new CommandOperation(CommandSpec.Sh("seq 1 100000; sleep 60"));

        BatchResult result = await Executor(options).ExecuteAsync(op, [Local("big")]);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.Equal(TargetState.TimedOut, outcome.State);
        Assert.True(outcome.Stdout.Truncated);
        string expected = string.Concat(Enumerable.Range(1, 100000).Select(i => i + "\n"));
        Assert.Equal(expected.Length, outcome.Stdout.TotalBytes);
        Assert.Equal(expected, outcome.Stdout.ReadAll());
        Assert.StartsWith("1\n2\n3\n", outcome.Stdout.Text, StringComparison.Ordinal);
        Assert.EndsWith("99999\n100000\n", outcome.Stdout.Text, StringComparison.Ordinal);
        Directory.Delete(spill, recursive: true);
    }
}
