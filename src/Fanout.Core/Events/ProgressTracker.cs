using System.Runtime.CompilerServices;
using Fanout.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Events;

/// <summary>
/// Follows a run (SPEC C3): numbers its events 1, 2, 3 …, keeps a live
/// <see cref="Snapshot">snapshot</see>, calls callbacks, and feeds any number of
/// <see cref="ReadAllAsync">asynchronous readers</see>. Thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Callbacks run synchronously on the executor's threads, one at a time, in sequence order: keep
/// them short. Readers of <see cref="ReadAllAsync"/> never slow a run: each has its own queue that
/// the executor writes to without waiting. When a reader falls more than
/// <c>subscriberCapacity</c> events behind, the progress-only events (<see cref="TargetStarted"/>,
/// <see cref="TargetRetrying"/>) are dropped for that reader (its sequence numbers then have
/// gaps); outcome events (<see cref="TargetFinished"/>, waves, rollbacks, run start and end) are
/// never dropped, so the queue is bounded by the size of the run.
/// </para>
/// <para>A tracker follows one run at a time; a new <see cref="RunStarted"/> resets it.</para>
/// </remarks>
public sealed class ProgressTracker
{
    /// <summary>The default number of unread events past which a reader loses progress-only events: 10,000.</summary>
    public const int DefaultSubscriberCapacity = 10_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Dictionary<string, (DateTimeOffset StartedAt, long Timestamp, int Attempt)> _running = new(StringComparer.Ordinal);
    private readonly int[] _counts = new int[7];
    private EventSubscriber[] _subscribers = [];
    private Action<TargetOutcome, int, int>[] _finishedCallbacks = [];
    private Action<RunEvent>[] _eventCallbacks = [];
    private Output.OutputObserver? _outputObservers;
    private long _sequence;
    private long _dropped;
    private bool _finished;
    private string? _runId;
    private string? _operation;
    private int _total;
    private int _completed;
    private int _wave;
    private int _waveCount;
    private long _startTimestamp;

    /// <summary>Creates a tracker.</summary>
    /// <param name="timeProvider">The clock for elapsed time and ETA. The default value is <see cref="TimeProvider.System"/>.</param>
    /// <param name="subscriberCapacity">Unread events per reader past which progress-only events are dropped for it. The default value is <see cref="DefaultSubscriberCapacity"/>; at least 1.</param>
    /// <param name="logger">Where exceptions thrown by callbacks are logged. The default value logs nothing.</param>
    public ProgressTracker(TimeProvider? timeProvider = null, int subscriberCapacity = DefaultSubscriberCapacity, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subscriberCapacity, 1);
        _time = timeProvider ?? TimeProvider.System;
        _capacity = subscriberCapacity;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The sequence number of the last event (0 before the first).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>Progress-only events dropped for slow readers so far (over all readers).</summary>
    public long DroppedEvents => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Registers <paramref name="callback"/>(outcome, completed, total) for every target that reaches
    /// its final state. An exception it throws is logged and does not affect the run.
    /// </summary>
    public void OnTargetFinished(Action<TargetOutcome, int, int> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _finishedCallbacks = [.. _finishedCallbacks, callback];
        }
    }

    /// <summary>Registers <paramref name="callback"/> for every event, in sequence order.</summary>
    public void OnEvent(Action<RunEvent> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _eventCallbacks = [.. _eventCallbacks, callback];
        }
    }

    /// <summary>
    /// Registers <paramref name="observer"/> for the bytes targets print, as they arrive (live output, <c>--stream</c>).
    /// It runs synchronously on the transports' threads while they read: keep it short (a slow observer slows the
    /// target down, never loses its bytes). An exception it throws stops that stream's observation, not the run.
    /// Register before the run starts; captures created before registration are not observed.
    /// </summary>
    public void OnOutput(Output.OutputObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            _outputObservers += observer;
        }
    }

    /// <summary>Every registered <see cref="OnOutput"/> observer, or <see langword="null"/> when there is none.</summary>
    internal Output.OutputObserver? OutputObservers
    {
        get
        {
            lock (_gate)
            {
                return _outputObservers;
            }
        }
    }

    /// <summary>
    /// Returns the events published from now on, in sequence order, ending after
    /// <see cref="RunFinished"/>. The reader is registered when this method is called (not when
    /// enumeration begins), so call it before starting the run to see every event. Called after
    /// the run finished, it yields nothing.
    /// </summary>
    public IAsyncEnumerable<RunEvent> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var subscriber = new EventSubscriber(_capacity);
        lock (_gate)
        {
            if (_finished)
            {
                subscriber.Complete();
            }
            else
            {
                _subscribers = [.. _subscribers, subscriber];
            }
        }

        return ReadAsync(subscriber, cancellationToken);
    }

    /// <summary>Returns the state of the run now.</summary>
    /// <param name="slowest">How many of the longest-running targets to include. The default value is 5.</param>
    public ProgressSnapshot Snapshot(int slowest = 5)
    {
        lock (_gate)
        {
            TimeSpan elapsed = _runId is null ? TimeSpan.Zero : _time.GetElapsedTime(_startTimestamp);
            TimeSpan? eta = _completed == 0 || _finished ? null : elapsed / _completed * (_total - _completed);
            return new ProgressSnapshot
            {
                RunId = _runId,
                Operation = _operation,
                Total = _total,
                Completed = _completed,
                Succeeded = _counts[(int)TargetState.Succeeded],
                Failed = _counts[(int)TargetState.Failed],
                TimedOut = _counts[(int)TargetState.TimedOut],
                Cancelled = _counts[(int)TargetState.Cancelled],
                NotRun = _counts[(int)TargetState.NotRun],
                Skipped = _counts[(int)TargetState.Skipped],
                Unreachable = _counts[(int)TargetState.Unreachable],
                Wave = _wave,
                WaveCount = _waveCount,
                Elapsed = elapsed,
                Eta = eta,
                Finished = _finished,
                RunningCount = _running.Count,
                Slowest = [.. _running
                    .OrderBy(r => r.Value.Timestamp)
                    .Take(Math.Max(0, slowest))
                    .Select(r => new RunningTarget(r.Key, r.Value.StartedAt, _time.GetElapsedTime(r.Value.Timestamp), r.Value.Attempt))],
            };
        }
    }

    /// <summary>Numbers an event, updates the snapshot, and hands it to readers and callbacks.</summary>
    internal void Publish(RunEvent runEvent)
    {
        lock (_gate)
        {
            if (runEvent is RunStarted started)
            {
                Reset(started);
            }

            RunEvent numbered = runEvent with { Sequence = ++_sequence };
            Apply(numbered);
            foreach (EventSubscriber subscriber in _subscribers)
            {
                long before = subscriber.Dropped;
                subscriber.Write(numbered);
                _dropped += subscriber.Dropped - before;
            }

            if (numbered is RunFinished)
            {
                _finished = true;
                _running.Clear();
                foreach (EventSubscriber subscriber in _subscribers)
                {
                    subscriber.Complete();
                }

                _subscribers = [];
            }

            InvokeCallbacks(numbered);
        }
    }

    private void Reset(RunStarted started)
    {
        _sequence = 0;
        _finished = false;
        _runId = started.RunId;
        _operation = started.Operation;
        _total = started.Total;
        _waveCount = started.WaveCount;
        _wave = 0;
        _completed = 0;
        Array.Clear(_counts);
        _running.Clear();
        _startTimestamp = _time.GetTimestamp();
    }

    private void Apply(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case WaveStarted wave:
                _wave = wave.Wave;
                break;
            case TargetStarted target:
                _running[target.Target] = (target.Timestamp, _time.GetTimestamp(), target.Attempt);
                break;
            case TargetFinished finished:
                _running.Remove(finished.Outcome.Target);
                _completed++;
                _counts[(int)finished.Outcome.State]++;
                break;
        }
    }

    private void InvokeCallbacks(RunEvent runEvent)
    {
        foreach (Action<RunEvent> callback in _eventCallbacks)
        {
            try
            {
                callback(runEvent);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A broken display must not break the run; the failure is logged, not hidden.
                EventsLog.CallbackFailed(_logger, ex);
            }
        }

        if (runEvent is TargetFinished finished)
        {
            foreach (Action<TargetOutcome, int, int> callback in _finishedCallbacks)
            {
                try
                {
                    callback(finished.Outcome, _completed, _total);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    EventsLog.CallbackFailed(_logger, ex);
                }
            }
        }
    }

    private async IAsyncEnumerable<RunEvent> ReadAsync(EventSubscriber subscriber, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            while (await subscriber.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (subscriber.Reader.TryRead(out RunEvent? runEvent))
                {
                    subscriber.OnRead();
                    yield return runEvent;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers = [.. _subscribers.Where(s => s != subscriber)];
            }
        }
    }
}
