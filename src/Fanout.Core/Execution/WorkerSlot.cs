namespace Fanout.Execution;

/// <summary>
/// One of the at most <c>MaxConcurrency</c> concurrent places a target runs in. It owns a
/// reusable cancellation source and one lazily re-armed timeout timer, so an attempt that neither
/// times out nor is cancelled allocates nothing and usually makes no timer call (SPEC N1).
/// </summary>
internal sealed class WorkerSlot : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ITimer? _timer;
    private readonly CancellationTokenRegistration _runRegistration;
    private CancellationTokenSource _cts = new();
    private long _attemptStart;
    private bool _active;
    private bool _armed;
    private bool _timedOut;
    private bool _runCancelled;

    public WorkerSlot(TimeProvider time, TimeSpan timeout, CancellationToken runToken)
    {
        _time = time;
        _timeout = timeout;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = time.CreateTimer(static s => ((WorkerSlot)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        _runRegistration = runToken.UnsafeRegister(static s => ((WorkerSlot)s!).OnRunCancelled(), this);
    }

    private volatile int _current = -1;

    /// <summary>The index of the target running in this slot, or −1.</summary>
    public int Current
    {
        get => _current;
        set => _current = value;
    }

    /// <summary>The current target's attempt number (read when it is abandoned).</summary>
    public int Attempt { get; set; }

    /// <summary>The timestamp of the current target's first attempt (read when it is abandoned).</summary>
    public long FirstStart { get; set; }

    /// <summary>Starts an attempt: arms the timeout and returns the token the operation observes.</summary>
    public CancellationToken BeginAttempt()
    {
        lock (_gate)
        {
            _active = true;
            _timedOut = false;
            _attemptStart = _time.GetTimestamp();
            if (_timer is not null && !_armed)
            {
                // A timer still armed by an earlier attempt fires no later than this attempt's
                // deadline, and then re-arms for what remains: no timer call per attempt (SPEC N1).
                _armed = true;
                _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
            }

            return _cts.Token;
        }
    }

    /// <summary>Ends an attempt: disarms the timeout. Returns whether the attempt timed out.</summary>
    public bool EndAttempt()
    {
        // The timer is left armed: when it fires with no attempt active it just stops.
        lock (_gate)
        {
            _active = false;
            bool timedOut = _timedOut;
            if (timedOut && !_runCancelled)
            {
                // The old source is cancelled (or about to be): the next attempt needs a fresh one.
                // It is not disposed because the timer callback may still be cancelling it.
                _cts = new CancellationTokenSource();
            }

            return timedOut;
        }
    }

    private void OnTimer()
    {
        CancellationTokenSource? cancel = null;
        lock (_gate)
        {
            _armed = false;
            if (!_active || _timedOut)
            {
                return;
            }

            // The timer may have been armed by an earlier attempt (or fire a little early):
            // re-arm for what remains of this attempt instead of timing it out too soon.
            TimeSpan elapsed = _time.GetElapsedTime(_attemptStart);
            TimeSpan remaining = _timeout - elapsed;
            if (remaining > TimeSpan.FromMilliseconds(1))
            {
                _armed = true;
                _timer!.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            _timedOut = true;
            cancel = _cts;
        }

        cancel.Cancel();
    }

    private void OnRunCancelled()
    {
        CancellationTokenSource cancel;
        lock (_gate)
        {
            _runCancelled = true;
            cancel = _cts;
        }

        cancel.Cancel();
    }

    public void Dispose()
    {
        _runRegistration.Dispose();
        _timer?.Dispose();
    }
}
