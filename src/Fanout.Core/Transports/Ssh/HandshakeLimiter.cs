namespace Fanout.Transports.Ssh;

/// <summary>
/// Admission control for SSH handshakes (SPEC X13, docs/ssh.md "Connection storms"). Opening a connection is CPU-bound
/// on both ends (key exchange); a thousand simultaneous handshakes on two cores starve each other past any timeout.
/// So "connections in handshake" are bounded separately from "targets running": the limit starts at the core count,
/// grows by one for every fast handshake that found the limit in use (slow start: it doubles per round trip while
/// latency stays near the best seen) and shrinks by a quarter when a handshake that started after the last decrease was
/// slow (over four times the baseline) or was refused or reset by a full server. Targets that wait for a slot do not
/// spend their connect deadline waiting.
/// </summary>
internal sealed class HandshakeLimiter
{
    /// <summary>A handshake slower than this many times the baseline is a congestion signal.</summary>
    public const double SlowFactor = 4;

    /// <summary>A handshake within this many times the baseline lets the limit grow.</summary>
    public const double FastFactor = 2;

    private readonly object _gate = new();
    private readonly Queue<Waiter> _waiters = new();
    private readonly TimeProvider _time;
    private readonly int _min;
    private readonly int _max;
    private double _limit;
    private int _inFlight;
    private TimeSpan? _baseline;
    private long _lastDecrease = long.MinValue;

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

    /// <summary>Waits for a handshake slot. Dispose the slot (or <see cref="Slot.Complete"/> it) when the handshake ends.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
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
                return Admit();
            }

            waiter = new Waiter();
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

    private Slot Admit()
    {
        _inFlight++;
        return new Slot(this, _time.GetTimestamp(), _inFlight);
    }

    private void Exit(Slot slot, HandshakeOutcome outcome)
    {
        List<(Waiter, Slot)>? admitted = null;
        lock (_gate)
        {
            _inFlight--;
            TimeSpan latency = _time.GetElapsedTime(slot.StartedAt);
            bool startedAfterDecrease = slot.StartedAt >= _lastDecrease;
            switch (outcome)
            {
                case HandshakeOutcome.Succeeded:
                    _baseline = _baseline is not { } b || latency < b ? latency : b + ((latency - b) / 64);
                    if (latency.Ticks > _baseline.Value.Ticks * SlowFactor)
                    {
                        Decrease(startedAfterDecrease);
                    }
                    else if (latency.Ticks <= _baseline.Value.Ticks * FastFactor && slot.InFlightAtStart * 2 >= (int)_limit)
                    {
                        _limit = Math.Min(_max, _limit + 1);
                    }

                    break;
                case HandshakeOutcome.Congested:
                    Decrease(startedAfterDecrease);
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

                (admitted ??= []).Add((next, Admit()));
            }
        }

        foreach ((Waiter w, Slot s) in admitted ?? [])
        {
            if (!w.TrySetResult(s))
            {
                Exit(s, HandshakeOutcome.Neutral); // cancelled in the meantime: give the slot back
            }
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
    }

    /// <summary>A handshake slot; completing it twice is harmless.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly HandshakeLimiter _owner;
        private int _done;

        internal Slot(HandshakeLimiter owner, long startedAt, int inFlightAtStart)
        {
            _owner = owner;
            StartedAt = startedAt;
            InFlightAtStart = inFlightAtStart;
        }

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

        public void Dispose() => Complete(HandshakeOutcome.Neutral);
    }

    private sealed class Waiter() : TaskCompletionSource<Slot>(TaskCreationOptions.RunContinuationsAsynchronously);
}
