using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Core.Tests.Support;

/// <summary>Test targets and executors.</summary>
public static class Fleet
{
    public static List<Target> Targets(int count, string transport = "fake")
        => [.. Enumerable.Range(0, count).Select(i => new Target { Name = $"t{i}", Transport = transport })];

    public static BatchExecutor Executor(ExecutionOptions options, TimeProvider? time = null, FakeTransport? transport = null)
        => new(options, new TransportRegistry([transport ?? new FakeTransport()]), time);

    public static IOperation Ok(string name = "ok")
        => Operation.FromDelegate(name, (_, _) => Task.FromResult(OperationResult.Succeeded()));

    /// <summary>An operation that does what <paramref name="behaviour"/> says per target.</summary>
    public static IOperation Op(Func<Target, OperationContext, CancellationToken, Task<OperationResult>> behaviour, string name = "op")
        => Operation.FromDelegate(name, behaviour);

    /// <summary>Waits until the operation honours the token, then throws OperationCanceledException.</summary>
    public static async Task<OperationResult> HangAsync(CancellationToken ct)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        return OperationResult.Succeeded();
    }

    public static CancellationToken TestTimeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
