using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Core.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every timer created with a finite due time
/// (Task.Delay, CancellationTokenSource timeouts, grace and overall timers), so a test can wait
/// until the code under test is really waiting before it advances time — no sleeps.
/// </summary>
public sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public ObservedTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _timers.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits for the next timer with a finite due time to be created and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _timers.Reader.ReadAsync(limit.Token);
    }

    /// <summary>Waits for the next timer and advances time by its due time; returns the due time.</summary>
    public async Task<TimeSpan> AdvanceNextTimerAsync()
    {
        TimeSpan due = await NextTimerAsync();
        Advance(due);
        return due;
    }
}
