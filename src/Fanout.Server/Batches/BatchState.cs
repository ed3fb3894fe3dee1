using Fanout.Cluster.Coordination;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Observability;

namespace Fanout.Server.Batches;

/// <summary>
/// A batch accepted by this server while it is queued or running: per-target live state for status pages, the event log
/// for SSE (sequence numbers as stored), and its cancellation. Thread-safe; fed by the run's <see cref="ProgressTracker"/>.
/// </summary>
internal sealed class BatchState
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _index;
    private readonly TargetSlot[] _slots;
    private readonly List<LiveEvent> _events = [];
    private readonly TaskCompletionSource<RunStatus> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AuditLog _audit;
    private readonly ServerMetrics _metrics;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSequence;
    private bool _started;
    private bool _cancelRequested;
    private string? _cancelReason;
    private bool _handedOver;
    private bool _stopAfterWave;
    private int _waveCount;

    public BatchState(string batchId, string actor, RunRequest request, DateTimeOffset acceptedAt, long sequenceOffset, AuditLog audit, ServerMetrics metrics)
    {
        BatchId = batchId;
        Actor = actor;
        Request = request;
        AcceptedAt = acceptedAt;
        SequenceOffset = sequenceOffset;
        _lastSequence = sequenceOffset;
        _audit = audit;
        _metrics = metrics;
        _slots = new TargetSlot[request.Targets.Count];
        _index = new Dictionary<string, int>(request.Targets.Count, StringComparer.Ordinal);
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new TargetSlot(request.Targets[i].Name);
            _index[request.Targets[i].Name] = i;
        }
    }

    public string BatchId { get; }

    public string Actor { get; }

    public RunRequest Request { get; }

    public DateTimeOffset AcceptedAt { get; }

    /// <summary>Events before this sequence belong to earlier executions of a resumed run (they are in the store).</summary>
    public long SequenceOffset { get; }

    public BatchPhase Phase { get; private set; } = BatchPhase.Queued;

    /// <summary>Whether the run was recorded <c>queued</c> in the store when it was accepted (its execution starts that record).</summary>
    public bool RecordedQueued { get; set; }

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>
    /// The run's coordination in the cluster, begun once the batch was queued (completes with <see langword="null"/> when the run is not
    /// coordinated in a cluster); <see langword="null"/> until then.
    /// </summary>
    public Task<ICoordinatedRun?>? Coordinated { get; set; }

    /// <summary>Whether the batch was cancelled to hand its run to another coordinating server (this one stops): its run is stored interrupted.</summary>
    public bool HandedOver
    {
        get
        {
            lock (_lock)
            {
                return _handedOver;
            }
        }
    }

    /// <summary>What the targets print while the batch runs here (<c>GET /api/runs/{id}/targets/{target}/output</c>).</summary>
    public LiveOutput Output { get; } = new();

    /// <summary>Completes with the recorded status when the batch has ended and everything is stored.</summary>
    public Task<RunStatus> Completion => _done.Task;

    public bool CancelRequested
    {
        get
        {
            lock (_lock)
            {
                return _cancelRequested;
            }
        }
    }

    /// <summary>Why the batch was cancelled (its run's stop reason): who cancelled it, a server shutdown, or a stop after a wave.</summary>
    public string? CancelReason
    {
        get
        {
            lock (_lock)
            {
                return _cancelReason;
            }
        }
    }

    /// <summary>Whether "stop after this batch" was asked for (and the batch has not yet stopped for it).</summary>
    public bool StopAfterWaveRequested
    {
        get
        {
            lock (_lock)
            {
                return _stopAfterWave;
            }
        }
    }

    /// <summary>
    /// Stops the batch when its current wave (batch of <c>batchSize</c>) ends: the running wave finishes, later waves do not
    /// start (their targets end <c>not-run</c> and the run is stored cancelled, so <c>fanout resume</c> continues it).
    /// False when the batch already ended or is cancelled.
    /// </summary>
    public bool RequestStopAfterWave()
    {
        lock (_lock)
        {
            if (Phase == BatchPhase.Finished || _cancelRequested)
            {
                return false;
            }

            _stopAfterWave = true;
            return true;
        }
    }

    public void MarkRunning()
    {
        lock (_lock)
        {
            Phase = BatchPhase.Running;
        }
    }

    /// <summary>
    /// Cancels the batch (SPEC A3) and returns how many target executions it cancels (queued and running ones). A batch
    /// that has not started is cancelled as soon as its run is recorded, so it is stored as a cancelled run that
    /// <c>fanout resume</c> can continue.
    /// </summary>
    /// <param name="reason">The run's stop reason: <c>cancelled by ACTOR</c>, or why the server cancels it.</param>
    /// <param name="handOver">The server stops and hands the run to another coordinating server: it is stored interrupted, not cancelled.</param>
    public int RequestCancel(string reason, bool handOver = false)
    {
        bool cancelNow;
        int count;
        lock (_lock)
        {
            if (Phase == BatchPhase.Finished || _cancelRequested)
            {
                return 0;
            }

            _cancelRequested = true;
            _cancelReason = reason;
            _handedOver = handOver;
            cancelNow = _started;
            count = _slots.Count(s => s.Outcome is null);
        }

        if (cancelNow)
        {
            Cancellation.Cancel();
        }

        return count;
    }

    /// <summary>Receives every event of the run (called synchronously by the tracker: keep it cheap).</summary>
    public void OnEvent(RunEvent e)
    {
        bool cancel = false;
        TaskCompletionSource changed;
        lock (_lock)
        {
            long sequence = e.Sequence > 0 ? e.Sequence + SequenceOffset : _lastSequence + 1;
            _lastSequence = Math.Max(_lastSequence, sequence);
            TargetState? finished = null;
            string? finishedTarget = null;
            switch (e)
            {
                case RunStarted:
                    _started = true;
                    cancel = _cancelRequested;
                    break;
                case WaveStarted w:
                    _waveCount = w.WaveCount;
                    break;
                case WaveFinished w when _stopAfterWave && !_cancelRequested && w.Wave < _waveCount:
                    // Inline, like the RunStarted case: the executor sees it before it starts the next wave.
                    _cancelRequested = true;
                    _cancelReason = $"stopped after wave {w.Wave} of {_waveCount}";
                    cancel = true;
                    break;
                case TargetStarted s when _index.TryGetValue(s.Target, out int i):
                    _slots[i].Running = true;
                    _slots[i].StartedAt = s.Timestamp;
                    if (s.Attempt <= 1)
                    {
                        _metrics.TargetStarted();
                    }

                    _audit.Post(new AuditEntry { Timestamp = s.Timestamp, Actor = Actor, Action = "execution.start", BatchId = BatchId, Target = s.Target, Detail = $"attempt {s.Attempt}" });
                    break;
                case TargetFinished f when _index.TryGetValue(f.Outcome.Target, out int i):
                    bool wasRunning = _slots[i].Running;
                    _slots[i].Outcome = f.Outcome;
                    _slots[i].Running = false;
                    finished = f.Outcome.State;
                    finishedTarget = f.Outcome.Target;
                    _metrics.TargetFinished(f.Outcome, wasRunning);
                    _audit.Post(new AuditEntry
                    {
                        Timestamp = f.Timestamp,
                        Actor = Actor,
                        Action = "execution.finish",
                        BatchId = BatchId,
                        Target = f.Outcome.Target,
                        DurationMs = f.Outcome.Duration.TotalMilliseconds,
                        Detail = f.Outcome.State.ToWireName() + (f.Outcome.ExitCode is { } code ? $" (exit {code})" : string.Empty),
                    });
                    break;
            }

            _events.Add(new LiveEvent(sequence, LiveEvent.NameOf(e.GetType().Name), RunEventPayload.Serialize(e, (int)sequence), finished, finishedTarget));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        if (cancel)
        {
            // Inline, so the executor sees it before it schedules any target: its cancellation callback only sets flags.
            Cancellation.Cancel();
        }
    }

    /// <summary>Marks the batch finished and wakes every SSE reader.</summary>
    public void Finish(RunStatus status)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            Phase = BatchPhase.Finished;
            changed = _changed;
        }

        changed.TrySetResult();
        _done.TrySetResult(status);
    }

    /// <summary>Events after index <paramref name="from"/> of this server's log, whether the batch has finished, and a task completing on change.</summary>
    public (IReadOnlyList<LiveEvent> Events, bool Finished, Task Changed) ReadEvents(int from)
    {
        lock (_lock)
        {
            return (_events.Count > from ? _events.GetRange(from, _events.Count - from) : [], Phase == BatchPhase.Finished, _changed.Task);
        }
    }

    /// <summary>A consistent copy of the per-target state for a status page.</summary>
    public (BatchPhase Phase, IReadOnlyList<TargetView> Targets) Snapshot()
    {
        lock (_lock)
        {
            var views = new TargetView[_slots.Length];
            for (int i = 0; i < _slots.Length; i++)
            {
                TargetSlot s = _slots[i];
                views[i] = new TargetView(i + 1, s.Name, s.Outcome?.State.ToWireName() ?? (s.Running ? "running" : "queued"), s.Outcome, s.StartedAt);
            }

            return (Phase, views);
        }
    }

    /// <summary>A target as a status page shows it: <c>queued</c>, <c>running</c> or a final state.</summary>
    public sealed record TargetView(int Ordinal, string Name, string State, TargetOutcome? Outcome, DateTimeOffset? StartedAt = null);

    private sealed class TargetSlot(string name)
    {
        public string Name { get; } = name;

        public bool Running { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public TargetOutcome? Outcome { get; set; }
    }
}
