using Fanout.Core.Tests.Support;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Core.Tests.Execution;

public sealed class RetryTests
{
    [Theory(Timeout = 30000)]
    [InlineData(Backoff.Fixed, null, new[] { 1, 1, 1, 1 })]
    [InlineData(Backoff.Linear, null, new[] { 1, 2, 3, 4 })]
    [InlineData(Backoff.Exponential, null, new[] { 1, 2, 4, 8 })]
    [InlineData(Backoff.Exponential, 5, new[] { 1, 2, 4, 5 })]
    public async Task ExecuteAsync_AlwaysFailing_RetriesWithExactBackoffDelays(Backoff backoff, int? maxSeconds, int[] expectedSeconds)
    {
        var time = new ObservedTimeProvider();
        int calls = 0;
        IOperation op = Fleet.Op((_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(OperationResult.Failed("nope", exitCode: 1));
        });
        var options = new ExecutionOptions
        {
            Retries = 4,
            RetryDelay = TimeSpan.FromSeconds(1),
            Backoff = backoff,
            MaxRetryDelay = maxSeconds is { } m ? TimeSpan.FromSeconds(m) : null,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var tracker = new ProgressTracker(time);
        var announced = new List<TimeSpan>();
        tracker.OnEvent(e =>
        {
            if (e is TargetRetrying r)
            {
                announced.Add(r.Delay);
            }
        });

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(op, Fleet.Targets(1), tracker, cancellationToken: Fleet.TestTimeout());
        var waited = new List<TimeSpan>();
        for (int i = 0; i < expectedSeconds.Length; i++)
        {
            waited.Add(await time.AdvanceNextTimerAsync());
        }

        BatchResult result = await run;

        TimeSpan[] expected = [.. expectedSeconds.Select(s => TimeSpan.FromSeconds(s))];
        Assert.Equal(expected, waited);
        Assert.Equal(expected, announced);
        Assert.Equal(5, calls);
        Assert.Equal(5, result.Outcomes[0].Attempts);
        Assert.Equal(TargetState.Failed, result.Outcomes[0].State);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds.Sum()), result.Outcomes[0].Duration);
    }

    [Fact]
    public void Compute_Jitter_StaysWithinQuarterOfTheDelayAndUnderTheCap()
    {
        var random = new Random(42);
        var seen = new List<double>();
        for (int i = 0; i < 2000; i++)
        {
            TimeSpan d = RetryDelay.Compute(TimeSpan.FromSeconds(4), Backoff.Fixed, 1, null, jitter: true, random);
            Assert.InRange(d, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
            seen.Add(d.TotalSeconds);
            Assert.True(RetryDelay.Compute(TimeSpan.FromSeconds(4), Backoff.Fixed, 1, TimeSpan.FromSeconds(4), jitter: true, random) <= TimeSpan.FromSeconds(4));
        }

        Assert.True(seen.Min() < 3.2 && seen.Max() > 4.8, "jitter should spread over the whole ±25% range");
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_FailsThenSucceeds_SucceedsWithAttemptsCounted()
    {
        int calls = 0;
        IOperation op = Fleet.Op((_, ctx, _) => Task.FromResult(Interlocked.Increment(ref calls) < 3 ? OperationResult.Failed("flaky") : OperationResult.Succeeded()));

        BatchResult result = await Fleet.Executor(new ExecutionOptions { Retries = 5, RetryDelay = TimeSpan.Zero })
            .ExecuteAsync(op, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(3, result.Outcomes[0].Attempts);
    }

    [Theory(Timeout = 30000)]
    [InlineData(1, 1)]
    [InlineData(75, 3)]
    public async Task ExecuteAsync_RetryOnExitCodes_RetriesOnlyListedExitCodes(int exitCode, int expectedAttempts)
    {
        IOperation op = Fleet.Op((_, _, _) => Task.FromResult(OperationResult.Failed("exit", exitCode)));
        var options = new ExecutionOptions { Retries = 2, RetryDelay = TimeSpan.Zero, RetryOnExitCodes = new HashSet<int> { 75 } };

        BatchResult result = await Fleet.Executor(options).ExecuteAsync(op, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(expectedAttempts, result.Outcomes[0].Attempts);
        Assert.Equal(exitCode, result.Outcomes[0].ExitCode);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_TransportErrors_AreRetriedEvenWhenExitCodesNarrowRetries()
    {
        var transport = new FakeTransport();
        transport.Unreachable.Add("t0");
        IOperation op = Fleet.Op(async (_, ctx, ct) =>
        {
            await ctx.GetSessionAsync(ct);
            return OperationResult.Succeeded();
        });
        var options = new ExecutionOptions { Retries = 2, RetryDelay = TimeSpan.Zero, RetryOnExitCodes = new HashSet<int> { 75 } };

        BatchResult result = await Fleet.Executor(options, transport: transport).ExecuteAsync(op, Fleet.Targets(2), cancellationToken: Fleet.TestTimeout());

        Assert.Equal(TargetState.Unreachable, result.Outcomes[0].State); // never got a session: unreachable, not failed
        Assert.Equal(3, result.Outcomes[0].Attempts);
        Assert.Equal("connect to t0 refused", result.Outcomes[0].Error);
        Assert.Equal(TargetState.Succeeded, result.Outcomes[1].State);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_TimedOutAttempt_IsRetried()
    {
        var time = new ObservedTimeProvider();
        int calls = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IOperation op = Fleet.Op((_, _, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                first.TrySetResult();
                return Fleet.HangAsync(ct);
            }

            return Task.FromResult(OperationResult.Succeeded());
        });
        var options = new ExecutionOptions { Retries = 1, RetryDelay = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(10) };

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(op, Fleet.Targets(1), cancellationToken: Fleet.TestTimeout());
        await first.Task;
        time.Advance(TimeSpan.FromSeconds(10));
        BatchResult result = await run;

        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(2, result.Outcomes[0].Attempts);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_CancelledAttempt_IsNeverRetried()
    {
        using var cts = new CancellationTokenSource();
        int calls = 0;
        IOperation op = Fleet.Op((_, _, ct) =>
        {
            Interlocked.Increment(ref calls);
            cts.Cancel();
            return Fleet.HangAsync(ct);
        });

        BatchResult result = await Fleet.Executor(new ExecutionOptions { Retries = 3, RetryDelay = TimeSpan.Zero })
            .ExecuteAsync(op, Fleet.Targets(1), cancellationToken: cts.Token);

        Assert.Equal(1, calls);
        Assert.Equal(TargetState.Cancelled, result.Outcomes[0].State);
    }
}
