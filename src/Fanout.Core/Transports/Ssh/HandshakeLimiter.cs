namespace Fanout.Transports.Ssh;

/// <summary>
/// Admission control for SSH handshakes (SPEC X13, docs/ssh.md "Connection storms"). Opening a connection is CPU-bound
/// on both ends (key exchange); a thousand simultaneous handshakes on two cores starve each other past any timeout.
/// So "connections in handshake" are bounded separately from "targets running": the limit starts at the core count,
/// grows by one for every fast handshake that found the limit in use (slow start: it doubles per round trip while
/// latency stays near the best seen) and shrinks by a quarter when a handshake that started after the last decrease was
/// slow (over four times the baseline) or was refused or reset by a full server. Targets that wait for a slot do not
/// spend their connect deadline waiting.
/// <para>
/// The connect deadline is a second reference: a handshake that took more than <see cref="NearDeadlineFraction"/> of
/// its deadline (or timed out) says the machine is starved, whatever the baseline has drifted to. Then the limit is cut
/// at once to what keeps handshakes at <see cref="TargetDeadlineFraction"/> of the deadline (Little's law: the handshakes
/// this one ran with, scaled by target latency over observed latency), and it does not grow while handshakes take more
/// than that target. A handshake that times out while others were starved too may be tried once more
/// (<see cref="Slot.CompleteTimedOut"/>).
/// </para>
/// </summary>
internal sealed class HandshakeLimiter
{
    /// <summary>A handshake slower than this many times the baseline is a congestion signal.</summary>
    public const double SlowFactor = 4;

    /// <summary>A handshake within this many times the baseline lets the limit grow.</summary>
    public const double FastFactor = 2;

    /// <summary>A handshake that used more than this share of its connect deadline is a starvation signal.</summary>
    public const double NearDeadlineFraction = 0.5;

    /// <summary>The share of the connect deadline handshakes should stay under: the limit never grows above it.</summary>
    public const double TargetDeadlineFraction = 0.25;

    private readonly object _gate = new();
    private readonly Queue<Waiter> _waiters = new();
    private readonly TimeProvider _time;
    private readonly int _min;
    private readonly int _max;
    private double _limit;
    private int _inFlight;
    private TimeSpan? _baseline;
    private long _lastDecrease = long.MinValue;
    private long _lastStarved = long.MinValue;

    public HandshakeLimiter(int initial, int max, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _min = initial;
        _max = max;
        _limit = initial;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The default for a process: starts at the core count (at least 2), at most 1,024 handshakes at once.</summary>
    public static HandshakeLimiter ForThisMachine(TimeProvider? time = null) => new(Math.Max(2, Environment.ProcessorCount), 1024, time);

    /// <summary>How many handshakes may run at once now.</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return (int)_limit;
            }
        }
    }

    /// <summary>Handshakes running now.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>The fastest recent handshake (the reference for "slow"), or <see langword="null"/> before the first.</summary>
    public TimeSpan? Baseline
    {
        get
        {
            lock (_gate)
            {
                return _baseline;
            }
        }
    }

    /// <summary>Waits for a handshake slot with no connect deadline known to the limiter.</summary>
    public ValueTask<Slot> EnterAsync(CancellationToken cancellationToken) => EnterAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>
    /// Waits for a handshake slot. Dispose the slot (or <see cref="Slot.Complete"/> it) when the handshake ends.
    /// <paramref name="deadline"/> is the handshake's connect deadline (<see cref="Timeout.InfiniteTimeSpan"/>: none).
    /// </summary>
    public async ValueTask<Slot> EnterAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            while (_waiters.TryPeek(out Waiter? head) && head.Task.IsCompleted)
            {
                _waiters.Dequeue(); // cancelled while waiting
            }

            if (_inFlight < (int)_limit && _waiters.Count == 0)
            {
                return Admit(deadline);
            }

            waiter = new Waiter(deadline);
            _waiters.Enqueue(waiter);
        }

        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!waiter.TrySetCanceled() && waiter.Task.IsCompletedSuccessfully)
            {
                waiter.Task.Result.Dispose(); // admitted just as it was cancelled: give the slot back
            }

            throw;
        }
    }

    private Slot Admit(TimeSpan deadline)
    {
        _inFlight++;
        return new Slot(this, _time.GetTimestamp(), _inFlight, deadline);
    }

    /// <returns>For <see cref="HandshakeOutcome.TimedOut"/>: whether another handshake had already signalled starvation within this one's deadline.</returns>
    private bool Exit(Slot slot, HandshakeOutcome outcome)
    {
        List<(Waiter, Slot)>? admitted = null;
        bool othersStarved = false;
        lock (_gate)
        {
            _inFlight--;
            long now = _time.GetTimestamp();
            TimeSpan latency = _time.GetElapsedTime(slot.StartedAt, now);
            bool startedAfterDecrease = slot.StartedAt >= _lastDecrease;
            bool hasDeadline = slot.Deadline > TimeSpan.Zero && slot.Deadline != Timeout.InfiniteTimeSpan;
            bool nearDeadline = hasDeadline && (outcome == HandshakeOutcome.TimedOut || latency.Ticks > slot.Deadline.Ticks * NearDeadlineFraction);
            bool overTarget = hasDeadline && latency.Ticks > slot.Deadline.Ticks * TargetDeadlineFraction;
            if (outcome == HandshakeOutcome.TimedOut)
            {
                othersStarved = _lastStarved != long.MinValue && _time.GetElapsedTime(_lastStarved, now) <= slot.Deadline;
            }

            if (nearDeadline)
            {
                Starved(slot, latency, now, startedAfterDecrease);
            }

            switch (outcome)
            {
                case HandshakeOutcome.Succeeded when nearDeadline:
                    break; // already cut by Starved; a sample this slow would drag the baseline up
                case HandshakeOutcome.Succeeded:
                    _baseline = _baseline is not { } b || latency < b ? latency : b + ((latency - b) / 64);
                    if (latency.Ticks > _baseline.Value.Ticks * SlowFactor)
                    {
                        Decrease(startedAfterDecrease);
                    }
                    else if (!overTarget && latency.Ticks <= _baseline.Value.Ticks * FastFactor && slot.InFlightAtStart * 2 >= (int)_limit)
                    {
                        _limit = Math.Min(_max, _limit + 1);
                    }

                    break;
                case HandshakeOutcome.Congested:
                case HandshakeOutcome.TimedOut:
                    if (!nearDeadline)
                    {
                        Decrease(startedAfterDecrease);
                    }

                    break;
                case HandshakeOutcome.Neutral:
                    break;
            }

            while (_inFlight < (int)_limit && _waiters.TryDequeue(out Waiter? next))
            {
                if (next.Task.IsCompleted)
                {
                    continue; // cancelled while waiting
                }

                (admitted ??= []).Add((next, Admit(next.Deadline)));
            }
        }

        foreach ((Waiter w, Slot s) in admitted ?? [])
        {
            if (!w.TrySetResult(s))
            {
                Exit(s, HandshakeOutcome.Neutral); // cancelled in the meantime: give the slot back
            }
        }

        return othersStarved;
    }

    /// <summary>
    /// A handshake neared (or passed) its deadline: the machine cannot sustain the handshakes it is running. Cut the
    /// limit at once to what would have kept this one at the target share of its deadline: the handshakes that ran with it
    /// (the more of those in flight when it started and when it ended) times target over observed latency. As with
    /// <see cref="Decrease"/>, only a handshake admitted after the last cut says the current limit is too high.
    /// </summary>
    private void Starved(Slot slot, TimeSpan latency, long now, bool startedAfterLastDecrease)
    {
        _lastStarved = now;
        if (!startedAfterLastDecrease)
        {
            return;
        }

        double target = slot.Deadline.Ticks * TargetDeadlineFraction;
        double sustainable = Math.Max(slot.InFlightAtStart, _inFlight + 1) * target / Math.Max(1, latency.Ticks);
        if (sustainable < _limit)
        {
            _limit = Math.Max(_min, sustainable);
            _lastDecrease = now;
        }
    }

    private void Decrease(bool startedAfterLastDecrease)
    {
        // Only a handshake that began after the last decrease says the current limit is too high: those already in
        // flight at the time were admitted under the old one.
        if (startedAfterLastDecrease)
        {
            _limit = Math.Max(_min, _limit * 0.75);
            _lastDecrease = _time.GetTimestamp();
        }
    }

    /// <summary>How a handshake ended, for the limit.</summary>
    public enum HandshakeOutcome
    {
        /// <summary>Connected and authenticated; its latency is a sample.</summary>
        Succeeded,

        /// <summary>Refused, reset or dropped by a busy server (or retried because of that): shrink.</summary>
        Congested,

        /// <summary>Says nothing about load (authentication or host key refused, cancelled).</summary>
        Neutral,

        /// <summary>Did not finish within its connect deadline: a starvation signal.</summary>
        TimedOut,
    }

    /// <summary>A handshake slot; completing it twice is harmless.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly HandshakeLimiter _owner;
        private int _done;

        internal Slot(HandshakeLimiter owner, long startedAt, int inFlightAtStart, TimeSpan deadline)
        {
            _owner = owner;
            StartedAt = startedAt;
            InFlightAtStart = inFlightAtStart;
            Deadline = deadline;
        }

        /// <summary>The connect deadline this handshake runs under (<see cref="Timeout.InfiniteTimeSpan"/>: none known).</summary>
        public TimeSpan Deadline { get; }

        /// <summary>When the handshake was admitted (a <see cref="TimeProvider"/> timestamp): the connect deadline runs from here.</summary>
        public long StartedAt { get; }

        internal int InFlightAtStart { get; }

        public void Complete(HandshakeOutcome outcome)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _owner.Exit(this, outcome);
            }
        }

        /// <summary>
        /// Ends a handshake that timed out. Returns whether the machine was starved: another handshake had neared or
        /// passed its deadline within this one's deadline — then the timeout says more about the machine than about this
        /// host, and the caller may try the host once more under the (now lower) limit.
        /// </summary>
        public bool CompleteTimedOut() => Interlocked.Exchange(ref _done, 1) == 0 && _owner.Exit(this, HandshakeOutcome.TimedOut);

        public void Dispose() => Complete(HandshakeOutcome.Neutral);
    }

    private sealed class Waiter(TimeSpan deadline) : TaskCompletionSource<Slot>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public TimeSpan Deadline { get; } = deadline;
    }
}
