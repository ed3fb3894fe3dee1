using System.Collections.Concurrent;
using Fanout.Core.Tests.Support;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Core.Tests.Execution;

public sealed class WaveTests
{
    [Theory]
    [InlineData("", 20, new[] { 20 })]
    [InlineData("0", 20, new[] { 20 })]
    [InlineData("3", 10, new[] { 3, 6, 9, 10 })]
    [InlineData("25%", 10, new[] { 2, 4, 6, 8, 10 })]
    [InlineData("1,5,25%", 20, new[] { 1, 6, 11, 16, 20 })]
    [InlineData("1%", 10, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [InlineData("2,0", 10, new[] { 2, 10 })]
    public void Plan_BatchSizes_SplitLikeAnsibleSerial(string sizes, int total, int[] expectedEnds)
    {
        WaveSize[] parsed = [.. sizes.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(WaveSize.Parse)];

        Assert.Equal(expectedEnds, WavePlanner.Plan(parsed, total));
    }

    [Theory(Timeout = 30000)]
    [InlineData("4")]
    [InlineData("30%")]
    [InlineData("1,5,25%")]
    public async Task ExecuteAsync_Waves_NeverOverlap(string sizes)
    {
        long clock = 0;
        var starts = new ConcurrentDictionary<string, long>();
        var ends = new ConcurrentDictionary<string, long>();
        IOperation op = Fleet.Op(async (target, _, _) =>
        {
            starts[target.Name] = Interlocked.Increment(ref clock);
            await Task.Yield();
            ends[target.Name] = Interlocked.Increment(ref clock);
            return OperationResult.Succeeded();
        });
        var options = new ExecutionOptions { MaxConcurrency = 8, BatchSizes = [.. sizes.Split(',').Select(WaveSize.Parse)] };

        BatchResult result = await Fleet.Executor(options).ExecuteAsync(op, Fleet.Targets(20), cancellationToken: Fleet.TestTimeout());

        Assert.True(result.WaveCount > 1);
        var waves = result.Outcomes.GroupBy(o => o.Wave).OrderBy(g => g.Key).ToList();
        Assert.Equal(result.WaveCount, waves.Count);
        for (int k = 0; k + 1 < waves.Count; k++)
        {
            long lastEnd = waves[k].Max(o => ends[o.Target]);
            long firstStart = waves[k + 1].Min(o => starts[o.Target]);
            Assert.True(lastEnd < firstStart, $"wave {k + 1} ended at {lastEnd} after wave {k + 2} started at {firstStart}");
        }
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_BatchWait_PausesBetweenWavesOnTheTimeProvider()
    {
        var time = new ObservedTimeProvider();
        var options = new ExecutionOptions { BatchSizes = [new WaveSize(2, false)], BatchWait = TimeSpan.FromMinutes(10), Timeout = Timeout.InfiniteTimeSpan };
        var tracker = new ProgressTracker(time);
        var waveStarts = new ConcurrentBag<(int Wave, DateTimeOffset At)>();
        tracker.OnEvent(e =>
        {
            if (e is WaveStarted w)
            {
                waveStarts.Add((w.Wave, w.Timestamp));
            }
        });

        Task<BatchResult> run = Fleet.Executor(options, time).ExecuteAsync(Fleet.Ok(), Fleet.Targets(4), tracker, cancellationToken: Fleet.TestTimeout());
        TimeSpan wait = await time.NextTimerAsync();
        Assert.False(run.IsCompleted);
        time.Advance(wait);
        BatchResult result = await run;

        Assert.Equal(TimeSpan.FromMinutes(10), wait);
        Assert.True(result.AllSucceeded);
        Assert.Equal(2, result.WaveCount);
        var byWave = waveStarts.ToDictionary(w => w.Wave, w => w.At);
        Assert.Equal(TimeSpan.FromMinutes(10), byWave[2] - byWave[1]);
    }
}
