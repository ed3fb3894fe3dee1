using System.Threading.Channels;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Operations;

namespace Fanout.Runs;

/// <summary>
/// Writes one run to an <see cref="IRunStore"/> (SPEC H1). Two paths share one writer task:
/// <list type="bullet">
/// <item><see cref="MarkStartedAsync"/> — awaited by <see cref="RecordingOperation"/> before an attempt runs — makes the
/// attempt's <c>running</c> row durable first. Starts that arrive together are group-committed in one transaction,
/// so a slot opening never waits for more than one commit.</item>
/// <item>Events (<see cref="Post"/>, <see cref="ObserveAsync"/>) are batched: written every
/// <see cref="RunRecorderOptions.FlushInterval"/> or every <see cref="RunRecorderOptions.MaxBatch"/> events, in one transaction.</item>
/// <item>An outcome is durable before its worker slot starts the next attempt: the executor publishes a target's
/// <see cref="TargetFinished"/> (synchronously, so it is already queued here) before its slot takes the next target, and
/// <see cref="MarkStartedAsync"/> waits for the write that holds every outcome queued so far. The outcomes of all slots
/// are group-committed together — one commit per batch of completions, not per target — so after kill -9 the only
/// targets a resume runs again are those that were in flight (at most the parallelism).</item>
/// </list>
/// <see cref="CompleteAsync"/> drains the queue, fills in any outcome the event stream did not deliver, and finishes the run.
/// Because "started" is durable before the process starts and "finished" is written after it ends, resume after kill -9
/// knows exactly which targets completed and which may have been in flight.
/// </summary>
internal sealed partial class RunRecorder : IAsyncDisposable
{
    private readonly IRunStore _store;
    private readonly RunRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, int> _attemptOffsets;
    private readonly Dictionary<string, TargetState> _finals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _waves = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private readonly Task _lease;
    private readonly Task _partialTicks;
    private readonly PartialOutput _partials = new();
    private readonly long _sequenceOffset;
    private readonly IReadOnlyList<string> _planned;
    private readonly Dictionary<string, Task> _claimed = new(StringComparer.Ordinal); // target → the write that claims it
    private int _nextClaim;
    private readonly int _total;
    private long _lastSequence;
    private long _outcomesQueued; // TargetFinished events posted so far
    private long _outcomesDurable; // … of which committed
    private Exception? _failure;

    internal RunRecorder(IRunStore store, string runId, int total, RunRecorderOptions? options, TimeProvider? timeProvider,
        IReadOnlyDictionary<string, int>? attemptOffsets = null, long sequenceOffset = 0, IReadOnlyDictionary<string, TargetState>? completed = null,
        IReadOnlyList<string>? plannedOrder = null)
    {
        _planned = plannedOrder ?? [];
        _store = store;
        RunId = runId;
        _total = total;
        _options = options ?? new RunRecorderOptions();
        _time = timeProvider ?? TimeProvider.System;
        _attemptOffsets = attemptOffsets is null ? new(StringComparer.Ordinal) : new(attemptOffsets, StringComparer.Ordinal);
        _sequenceOffset = sequenceOffset;
        _lastSequence = sequenceOffset;
        if (completed is not null)
        {
            foreach ((string target, TargetState state) in completed)
            {
                _finals[target] = state;
            }
        }

        _writer = Task.Run(WriteLoopAsync);
        _lease = Task.Run(LeaseLoopAsync);
        _partialTicks = Task.Run(PartialLoopAsync);
    }

    /// <summary>The run being recorded.</summary>
    public string RunId { get; }

    /// <summary>
    /// This process as the run's owner columns name it; when set, every write is refused once the run is owned by another process
    /// (taken over, resumed elsewhere) and the recorder stops (<see cref="RunOwnershipLostException"/>).
    /// </summary>
    public (string Host, int Pid)? Owner { get; init; }

    /// <summary>The store written to.</summary>
    public IRunStore Store => _store;

    /// <summary>
    /// The output observer that keeps what running attempts print (their head and tail) for the writer to record in their attempt
    /// rows about every <see cref="RunRecorderOptions.PartialOutputInterval"/>; register it on the run's tracker
    /// (<see cref="ProgressTracker.OnOutput"/>).
    /// </summary>
    public Output.OutputObserver OutputObserver => _partials.Observe;

    /// <summary>Wraps <paramref name="operation"/> so every attempt's <c>running</c> row is durable before the attempt runs.</summary>
    public IOperation Wrap(IOperation operation) => new RecordingOperation(operation, this);

    /// <summary>Records that an attempt starts and waits until that is durable (group-committed with concurrent starts).</summary>
    /// <exception cref="FanoutException">The store failed; the attempt must not run unrecorded.</exception>
    public async ValueTask MarkStartedAsync(string target, int attempt, int wave, CancellationToken cancellationToken)
    {
        var row = new TargetAttemptRecord
        {
            RunId = RunId,
            Target = target,
            Attempt = attempt + AttemptOffset(target),
            State = AttemptState.Running,
            Wave = wave,
            StartedAt = _time.GetUtcNow(),
        };
        _partials.Start(target, attempt, row.Attempt, wave, row.StartedAt.Value);
        Task claim;
        lock (_claimed)
        {
            if (attempt == 1 && _claimed.TryGetValue(target, out Task? claimedBy))
            {
                // Already claimed as running by an earlier start's write: nothing more to write now (its start
                // time arrives with its outcome), only to be sure that write has committed — and, when outcomes
                // are still queued (this slot's previous target among them), that they are committed too.
                claim = Interlocked.Read(ref _outcomesQueued) > Interlocked.Read(ref _outcomesDurable) ? Barrier() : claimedBy;
            }
            else
            {
                var request = new StartRequest(row);
                request.Claims.AddRange(ClaimAhead(target, request.Done.Task));
                if (!_queue.Writer.TryWrite(request))
                {
                    throw Closed();
                }

                claim = request.Done.Task;
            }
        }

        await claim.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private FanoutException Closed() => _failure is { } failure
        ? new FanoutException($"recording run {RunId} failed: {failure.Message}", failure)
        : new FanoutException($"the recorder of run {RunId} is closed");

    // A write of nothing but what is queued before it (FIFO): done when every earlier event is committed.
    private Task Barrier()
    {
        var request = new StartRequest(null);
        if (!_queue.Writer.TryWrite(request))
        {
            throw Closed();
        }

        return request.Done.Task;
    }

    // Claims the next first attempts in selection order (called under the _claimed lock). A claim is a durable
    // "running" row written before the target can start; claims of targets that never start are deleted at completion.
    private List<TargetAttemptRecord> ClaimAhead(string starting, Task write)
    {
        _claimed[starting] = write;
        var claims = new List<TargetAttemptRecord>();
        while (claims.Count < _options.StartLookahead && _nextClaim < _planned.Count)
        {
            string next = _planned[_nextClaim++];
            if (_claimed.TryAdd(next, write))
            {
                claims.Add(new TargetAttemptRecord { RunId = RunId, Target = next, Attempt = 1 + AttemptOffset(next), State = AttemptState.Running });
            }
        }

        return claims;
    }

    /// <summary>Queues an event for the next batch. Never blocks.</summary>
    public void Post(RunEvent runEvent)
    {
        if (runEvent is TargetFinished)
        {
            Interlocked.Increment(ref _outcomesQueued);
        }

        _queue.Writer.TryWrite(runEvent);
    }

    /// <summary>Queues every event of <paramref name="events"/> until the stream ends.</summary>
    public async Task ObserveAsync(IAsyncEnumerable<RunEvent> events, CancellationToken cancellationToken)
    {
        await foreach (RunEvent e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Post(e);
        }
    }

    /// <summary>
    /// Writes what is queued, records the final outcome of every target of <paramref name="result"/> not yet recorded
    /// (events a bounded subscriber may have missed), and marks the run finished with <paramref name="status"/>
    /// (by default derived from the result: cancelled, succeeded or failed).
    /// </summary>
    public async Task CompleteAsync(BatchResult result, RunStatus? status, CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _lease.ConfigureAwait(false);
        await _partialTicks.ConfigureAwait(false);
        if (_failure is not null)
        {
            throw new FanoutException($"recording run {RunId} failed: {_failure.Message}", _failure);
        }

        var missing = result.Outcomes.Where(o => !_finals.ContainsKey(o.Target)).Select(ToFinalAttempt).ToList();
        var unstartedClaims = new List<(string, int)>();
        lock (_claimed)
        {
            var attempted = result.Outcomes.Where(o => o.Attempts > 0).Select(o => o.Target).ToHashSet(StringComparer.Ordinal);
            unstartedClaims.AddRange(_claimed.Keys.Where(t => !attempted.Contains(t)).Select(t => (t, 1 + AttemptOffset(t))));
        }

        await _store.WriteAsync(new RunWriteBatch { RunId = RunId, Attempts = missing, DeleteAttempts = unstartedClaims, OwnerHost = Owner?.Host, OwnerPid = Owner?.Pid }, cancellationToken).ConfigureAwait(false);

        RunStatus final = status ?? StatusOf(result);
        await _store.FinishRunAsync(RunId, final, result.EndedAt, Counts(), result.StopReason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run status a batch result stands for.</summary>
    public static RunStatus StatusOf(BatchResult result) =>
        result.Cancelled ? RunStatus.Cancelled : result.AllSucceeded && !result.RollbackPartiallyFailed ? RunStatus.Succeeded : RunStatus.Failed;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_writer, _lease, _partialTicks).ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
        }
    }

    private int AttemptOffset(string target)
    {
        lock (_attemptOffsets)
        {
            return _attemptOffsets.TryGetValue(target, out int o) ? o : 0;
        }
    }

    private RunCounts Counts() => RunCounts.FromStates(_total, _finals.Values);

    private async Task LeaseLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.LeaseRenewInterval, _time, _stop.Token).ConfigureAwait(false);
                await _store.RenewLeaseAsync(RunId, _time.GetUtcNow() + _options.LeaseDuration, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Recording ended; the lease is released by FinishRunAsync.
        }
    }

    // Asks the writer to record the running attempts' output about once an interval (only when some printed since).
    private async Task PartialLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.PartialOutputInterval, _time, _stop.Token).ConfigureAwait(false);
                if (_partials.AnyDirty)
                {
                    _queue.Writer.TryWrite(PartialTick.Instance);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Recording ended: every attempt's final row holds its output.
        }
    }

    // Queued by the partial loop: the writer's next flush records the running attempts' output.
    private sealed class PartialTick
    {
        public static readonly PartialTick Instance = new();
    }

    // A start to write (with the claims made with it), or with a null Attempt a barrier that writes nothing itself.
    private sealed record StartRequest(TargetAttemptRecord? Attempt)
    {
        public List<TargetAttemptRecord> Claims { get; } = [];

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
