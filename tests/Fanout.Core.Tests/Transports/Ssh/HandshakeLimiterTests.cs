using Fanout.Transports.Ssh;
using Microsoft.Extensions.Time.Testing;
using static Fanout.Transports.Ssh.HandshakeLimiter;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>The adaptive handshake limit (issue 11 item 2) with fake time: it grows while handshakes stay fast and shrinks when they slow down.</summary>
public sealed class HandshakeLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task AtTheLimit_TheNextHandshakeWaits_UntilOneEnds()
    {
        var limiter = new HandshakeLimiter(2, 10, _time);
        Slot a = await limiter.EnterAsync(CancellationToken.None);
        Slot b = await limiter.EnterAsync(CancellationToken.None);

        Task<Slot> third = limiter.EnterAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);

        a.Complete(HandshakeOutcome.Neutral);
        Slot c = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, limiter.InFlight);
        b.Dispose();
        c.Dispose();
        Assert.Equal(0, limiter.InFlight);
    }

    [Fact]
    public async Task FastHandshakesAtFullUse_GrowTheLimit_UpToTheMaximum()
    {
        var limiter = new HandshakeLimiter(2, 6, _time);
        for (int round = 0; round < 10; round++)
        {
            var slots = new List<Slot>();
            for (int i = 0; i < limiter.Limit; i++)
            {
                slots.Add(await limiter.EnterAsync(CancellationToken.None));
            }

            _time.Advance(TimeSpan.FromMilliseconds(20));
            slots.ForEach(s => s.Complete(HandshakeOutcome.Succeeded));
        }

        Assert.Equal(6, limiter.Limit);
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.Baseline);
    }

    [Fact]
    public async Task HandshakesOneAtATime_DoNotGrowTheLimit()
    {
        var limiter = new HandshakeLimiter(4, 100, _time);
        for (int i = 0; i < 50; i++)
        {
            Slot s = await limiter.EnterAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(20));
            s.Complete(HandshakeOutcome.Succeeded);
        }

        Assert.Equal(4, limiter.Limit);
    }

    [Fact]
    public async Task SlowHandshake_ShrinksByAQuarter_OncePerGeneration_NeverBelowTheStart()
    {
        var limiter = await GrownToAsync(16);

        // Eight handshakes start together, then all take 10x the baseline: only the first to end shrinks the limit,
        // the others were admitted under the old limit and say nothing new.
        var slots = new List<Slot>();
        for (int i = 0; i < 8; i++)
        {
            slots.Add(await limiter.EnterAsync(CancellationToken.None));
        }

        _time.Advance(TimeSpan.FromMilliseconds(200));
        slots.ForEach(s => s.Complete(HandshakeOutcome.Succeeded));
        Assert.Equal(12, limiter.Limit);

        // Handshakes that start after that decrease and are slow again shrink it again, down to the start value.
        for (int i = 0; i < 20; i++)
        {
            Slot s = await limiter.EnterAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(200));
            s.Complete(HandshakeOutcome.Congested);
        }

        Assert.Equal(2, limiter.Limit);
    }

    [Fact]
    public async Task CancelledWhileWaiting_LeavesTheQueue_AndTheNextHandshakeIsAdmitted()
    {
        var limiter = new HandshakeLimiter(1, 1, _time);
        Slot held = await limiter.EnterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        Task<Slot> waiting = limiter.EnterAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        held.Dispose();
        Assert.Equal(0, limiter.InFlight);
        Slot next = await limiter.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, limiter.InFlight);
        next.Dispose();
    }

    [Fact]
    public async Task HandshakeNearItsDeadline_CutsTheLimit_ToWhatKeepsHandshakesAtAQuarterOfTheDeadline()
    {
        var limiter = await GrownToAsync(16);
        TimeSpan deadline = TimeSpan.FromSeconds(10);

        // 16 handshakes at once take 6 s of a 10 s deadline: the machine does ~2.7 per second, so 2.5 s (a quarter of
        // the deadline) fits 16 × 2.5 / 6 ≈ 6.7 at once. The baseline (20 ms) plays no part: the cut is immediate.
        var slots = new List<Slot>();
        for (int i = 0; i < 16; i++)
        {
            slots.Add(await limiter.EnterAsync(deadline, CancellationToken.None));
        }

        _time.Advance(TimeSpan.FromSeconds(6));
        slots[^1].Complete(HandshakeOutcome.Succeeded);
        Assert.Equal(6, limiter.Limit);

        // The others, finishing as slowly, do not cut it further (same evidence), nor drag the baseline up.
        slots.ForEach(s => s.Complete(HandshakeOutcome.Succeeded));
        Assert.Equal(6, limiter.Limit);
        Assert.Equal(TimeSpan.FromMilliseconds(20), limiter.Baseline);
    }

    [Fact]
    public async Task TimedOutHandshakes_CutTheLimitToAQuarterOfWhatRanWithThem()
    {
        var limiter = await GrownToAsync(40);
        TimeSpan deadline = TimeSpan.FromSeconds(10);
        var slots = new List<Slot>();
        for (int i = 0; i < 40; i++)
        {
            slots.Add(await limiter.EnterAsync(deadline, CancellationToken.None));
        }

        _time.Advance(deadline);
        slots[^1].CompleteTimedOut();
        Assert.Equal(10, limiter.Limit);
        slots.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task HandshakesSlowerThanAQuarterOfTheirDeadline_DoNotGrowTheLimit_EvenWhenAsFastAsTheBaseline()
    {
        var limiter = new HandshakeLimiter(2, 100, _time);
        TimeSpan deadline = TimeSpan.FromSeconds(1);
        for (int round = 0; round < 20; round++)
        {
            var slots = new List<Slot>();
            for (int i = 0; i < limiter.Limit; i++)
            {
                slots.Add(await limiter.EnterAsync(deadline, CancellationToken.None));
            }

            _time.Advance(TimeSpan.FromMilliseconds(300)); // within 2x the baseline (300 ms), but over 250 ms
            slots.ForEach(s => s.Complete(HandshakeOutcome.Succeeded));
        }

        Assert.Equal(2, limiter.Limit);
    }

    [Fact]
    public async Task ATimeout_IsStarvation_OnlyWhenAnotherHandshakeNearedItsDeadlineWithinThisOnesDeadline()
    {
        var limiter = new HandshakeLimiter(4, 4, _time);
        TimeSpan deadline = TimeSpan.FromSeconds(10);

        // Alone: a host that does not answer in time is that host's problem.
        Slot lone = await limiter.EnterAsync(deadline, CancellationToken.None);
        _time.Advance(deadline);
        Assert.False(lone.CompleteTimedOut());

        // Right after that, another timeout finds the machine starved (the first one signalled it).
        Slot second = await limiter.EnterAsync(deadline, CancellationToken.None);
        _time.Advance(deadline);
        Assert.True(second.CompleteTimedOut());

        // Once handshakes are fast again for longer than a deadline, a timeout is the host's again.
        _time.Advance(TimeSpan.FromSeconds(30));
        Slot fast = await limiter.EnterAsync(deadline, CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        fast.Complete(HandshakeOutcome.Succeeded);
        Slot late = await limiter.EnterAsync(deadline, CancellationToken.None);
        _time.Advance(deadline);
        Assert.False(late.CompleteTimedOut());

        // A handshake that succeeded but used more than half its deadline is a starvation signal too.
        _time.Advance(TimeSpan.FromSeconds(30));
        Slot slow = await limiter.EnterAsync(deadline, CancellationToken.None);
        Slot next = await limiter.EnterAsync(deadline, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(6));
        slow.Complete(HandshakeOutcome.Succeeded);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(next.CompleteTimedOut());
    }

    private async Task<HandshakeLimiter> GrownToAsync(int limit)
    {
        var limiter = new HandshakeLimiter(2, limit, _time);
        while (limiter.Limit < limit)
        {
            var slots = new List<Slot>();
            for (int i = 0; i < limiter.Limit; i++)
            {
                slots.Add(await limiter.EnterAsync(CancellationToken.None));
            }

            _time.Advance(TimeSpan.FromMilliseconds(20));
            slots.ForEach(s => s.Complete(HandshakeOutcome.Succeeded));
        }

        return limiter;
    }
}
