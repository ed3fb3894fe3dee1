namespace Fanout.Execution;

/// <summary>
/// One of the at most <c>MaxConcurrency</c> concurrent places a target runs in. It owns a
/// reusable cancellation source and a reusable per-attempt timer, so an attempt that neither
/// times out nor is cancelled allocates neither (SPEC N1).
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
        CancellationToken token;
        lock (_gate)
        {
            _active = true;
            _timedOut = false;
            _attemptStart = _time.GetTimestamp();
            token = _cts.Token;
        }

        _timer?.Change(_timeout, Timeout.InfiniteTimeSpan);
        return token;
    }

    /// <summary>Ends an attempt: disarms the timeout. Returns whether the attempt timed out.</summary>
    public bool EndAttempt()
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
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
            if (!_active || _timedOut)
            {
                return;
            }

            // A reused timer can deliver a callback armed by an earlier attempt, or fire a little
            // early; re-arm for what remains instead of timing the attempt out too soon.
            TimeSpan elapsed = _time.GetElapsedTime(_attemptStart);
            TimeSpan remaining = _timeout - elapsed;
            if (remaining > TimeSpan.FromMilliseconds(1))
            {
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
