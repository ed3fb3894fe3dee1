using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Cluster.Coordination;
using Fanout.Cluster.Dispatch;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Observability;

namespace Fanout.Server.Batches;

/// <summary>
/// The bounded execution queue (SPEC A1): accepted batches wait in a channel of <see cref="ServerOptions.QueueCapacity"/>
/// and <see cref="ServerOptions.MaxConcurrentBatches"/> workers run them through the <see cref="RunService"/> — so every
/// batch is recorded in the same store as CLI runs. On shutdown every batch is cancelled (queued ones as soon as their run
/// is recorded) and the workers wait until the store has the outcome, leaving each run cancelled and resumable — or, in a
/// cluster where another server coordinates runs, a run coordinated in the cluster is handed over (see <see cref="StopAsync"/>).
/// </summary>
internal sealed partial class BatchQueue : IHostedService
{
    private readonly Channel<BatchState> _channel;
    private readonly ConcurrentDictionary<string, BatchState> _live = new(StringComparer.Ordinal);
    private readonly RunService _runs;
    private readonly AuditLog _audit;
    private readonly ServerMetrics _metrics;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BatchQueue> _logger;
    private readonly IRunDistributor _distributor;
    private readonly IRunCoordination _coordination;
    private Task[] _workers = [];
    private volatile bool _stopping;

    public BatchQueue(RunService runs, IRunDistributor distributor, IRunCoordination coordination, AuditLog audit, ServerMetrics metrics, ServerOptions options, TimeProvider time, ILogger<BatchQueue> logger)
    {
        _runs = runs;
        _distributor = distributor;
        _coordination = coordination;
        _audit = audit;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<BatchState>(new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        metrics.QueueDepth = () => Depth;
    }

    /// <summary>Batches waiting for a slot.</summary>
    public int Depth => _channel.Reader.Count;

    public int Capacity => _options.QueueCapacity;

    public int RunningCount => _live.Values.Count(b => b.Phase == BatchPhase.Running);

    public bool IsStopping => _stopping;

    /// <summary>The stop reason of a batch cancelled because the server stops (a user's cancel says <c>cancelled by NAME</c>).</summary>
    public const string ShutdownReason = "cancelled: the server is shutting down";

    /// <summary>Every batch of this server that is queued or running (the executions list shows the queued ones before the store does).</summary>
    public IReadOnlyCollection<BatchState> Live => (IReadOnlyCollection<BatchState>)_live.Values;

    /// <summary>The queued or running batch with this id, or <see langword="null"/>.</summary>
    public BatchState? Find(string batchId) => _live.GetValueOrDefault(batchId);

    /// <summary>
    /// Accepts a batch: a new run is first recorded <c>queued</c> in the store (accepted means durable: if this server dies the run
    /// is <c>interrupted</c> and resumable, never unknown), then queued. False when the queue is full or the server is stopping
    /// (nothing was recorded, or the record is closed as not accepted).
    /// </summary>
    public async Task<bool> TryEnqueueAsync(BatchState batch, CancellationToken cancellationToken)
    {
        if (_stopping || _channel.Reader.Count >= _options.QueueCapacity)
        {
            return false;
        }

        var coordinated = new TaskCompletionSource<ICoordinatedRun?>(TaskCreationOptions.RunContinuationsAsynchronously);
        batch.Coordinated = coordinated.Task;
        if (batch.Request.Resume is null && _runs.Store is { } store)
        {
            await _runs.RecordQueuedAsync(batch.Request, cancellationToken);
            batch.RecordedQueued = true;
            if (!TryEnqueue(batch))
            {
                // Lost a race for the last slot: the record says so rather than staying queued forever.
                await store.FinishRunAsync(batch.BatchId, RunStatus.Cancelled, _time.GetUtcNow(), RunCounts.Empty with { Total = batch.Request.Targets.Count },
                    "not accepted: the execution queue is full", CancellationToken.None);
                return false;
            }
        }
        else if (!TryEnqueue(batch))
        {
            return false;
        }

        await CoordinateAsync(batch, coordinated);
        return true;
    }

    /// <summary>
    /// In a cluster, a queued run is coordinated by this server from the moment it is accepted (<c>cluster_runs</c> and its coordinator
    /// grain): if this server dies before or while running it, another coordinating server takes it over. Begun only once the batch is
    /// queued, so a refused one leaves the run's coordination as it was (a takeover refused by a full queue is tried again).
    /// </summary>
    private async Task CoordinateAsync(BatchState batch, TaskCompletionSource<ICoordinatedRun?> coordinated)
    {
        ICoordinatedRun? run = null;
        try
        {
            // Not the request's token: an accepted run is coordinated even if its client went away.
            run = await _coordination.BeginAsync(batch.Request, CancellationToken.None);
        }
        finally
        {
            coordinated.TrySetResult(run);
        }
    }

    /// <summary>Queues a batch; false when the queue is full or the server is stopping (nothing was queued).</summary>
    private bool TryEnqueue(BatchState batch)
    {
        if (_stopping || !_live.TryAdd(batch.BatchId, batch))
        {
            return false;
        }

        if (!_channel.Writer.TryWrite(batch))
        {
            _live.TryRemove(batch.BatchId, out _);
            return false;
        }

        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = [.. Enumerable.Range(0, _options.MaxConcurrentBatches).Select(_ => Task.Run(WorkLoopAsync, CancellationToken.None))];
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops the queue: every batch is cancelled and recorded resumable — except, in a cluster where another server coordinates runs,
    /// the runs coordinated in the cluster: those are handed over (stopped and stored <c>interrupted</c>, their coordination kept), and
    /// the other server takes them over once this silo has left the cluster (docs/scale-out.md "When the coordinator stops").
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _channel.Writer.TryComplete();
        var live = new List<(BatchState Batch, ICoordinatedRun? Coordinated)>();
        foreach (BatchState batch in _live.Values)
        {
            live.Add((batch, batch.Coordinated is { } c ? await c.WaitAsync(cancellationToken) : null));
        }

        string? successor = live.Any(b => b.Coordinated is not null) ? await _coordination.FindSuccessorAsync(cancellationToken) : null;
        foreach ((BatchState batch, ICoordinatedRun? coordinated) in live)
        {
            if (coordinated is not null && successor is not null)
            {
                Log.HandingOver(_logger, batch.BatchId, successor);
                batch.RequestCancel($"{HandOverReason}; {successor} coordinates runs", handOver: true);
            }
            else
            {
                if (coordinated is not null)
                {
                    Log.NoSuccessor(_logger, batch.BatchId);
                }

                Log.CancellingForShutdown(_logger, batch.BatchId);
                batch.RequestCancel(ShutdownReason);
            }
        }

        await Task.WhenAll(_workers).WaitAsync(cancellationToken);
    }

    /// <summary>The stop reason of a run handed to another coordinating server as this one stops (it is stored interrupted).</summary>
    public const string HandOverReason = "interrupted: handed over, its server stopped";

    private async Task WorkLoopAsync()
    {
        await foreach (BatchState batch in _channel.Reader.ReadAllAsync())
        {
            await RunAsync(batch);
        }
    }

    private async Task RunAsync(BatchState batch)
    {
        using IDisposable? scope = _logger.BeginScope("Batch {BatchId}", batch.BatchId);
        using System.Diagnostics.Activity? activity = Tracing.Source.StartActivity("batch");
        activity?.SetTag("fanout.batch_id", batch.BatchId);
        activity?.SetTag("fanout.targets", batch.Request.Targets.Count);
        activity?.SetTag("fanout.actor", batch.Actor);
        DateTimeOffset started = _time.GetUtcNow();
        batch.MarkRunning();
        _metrics.BatchStarted();
        Log.Starting(_logger, batch.BatchId, batch.Request.Targets.Count, batch.Actor);
        _audit.Post(new AuditEntry { Timestamp = started, Actor = batch.Actor, Action = "batch.start", BatchId = batch.BatchId, TargetCount = batch.Request.Targets.Count });
        var tracker = new ProgressTracker(_time);
        tracker.OnEvent(batch.OnEvent);
        tracker.OnOutput(batch.Output.Observe);
        RunStatus status;
        string? error = null;
        try
        {
            // In a cluster the targets are leased to workers; the run is still executed, recorded and cancelled here.
            RunRequest request = _distributor.Distribute(batch.Request with { Queued = batch.RecordedQueued, CancelReason = () => batch.CancelReason, HandedOver = () => batch.HandedOver });
            // In a cluster the run's coordinator grain watches this server (since it was queued): if it dies, another server takes the run over.
            await using ICoordinatedRun? coordinated = batch.Coordinated is { } c ? await c : null;
            BatchResult result = await _runs.ExecuteAsync(request, tracker, batch.Cancellation.Token);
            status = RunRecorder.StatusOf(result);
            if (status == RunStatus.Cancelled && batch.HandedOver && result.StopReason == batch.CancelReason)
            {
                // Stored interrupted (RunService): the coordination stays for the server that takes the run over.
                status = RunStatus.Interrupted;
                coordinated?.HandOver();
            }
            result.DeleteSpillFiles(); // recorded: the store's log files hold the exact bytes
        }
        catch (OperationCanceledException)
        {
            status = RunStatus.Cancelled;
        }
        catch (Exception e) when (e is FanoutException or ArgumentException or IOException)
        {
            status = RunStatus.Failed;
            error = e.Message;
            Log.Failed(_logger, batch.BatchId, e);
        }

        activity?.SetTag("fanout.status", status.ToWireName());
        TimeSpan duration = _time.GetUtcNow() - started;
        Log.Finished(_logger, batch.BatchId, status.ToWireName(), duration.TotalMilliseconds);
        _audit.Post(new AuditEntry
        {
            Timestamp = _time.GetUtcNow(),
            Actor = batch.Actor,
            Action = "batch.finish",
            BatchId = batch.BatchId,
            TargetCount = batch.Request.Targets.Count,
            DurationMs = duration.TotalMilliseconds,
            Detail = error is null ? status.ToWireName() : $"{status.ToWireName()}: {error}",
        });
        _metrics.BatchFinished(status, duration, started: true);
        await _audit.FlushAsync();
        batch.Finish(status);
        _live.TryRemove(batch.BatchId, out _);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Batch {BatchId} starts on {Targets} targets for {Actor}")]
        public static partial void Starting(ILogger logger, string batchId, int targets, string actor);

        [LoggerMessage(2, LogLevel.Information, "Batch {BatchId} finished: {Status} after {DurationMs} ms")]
        public static partial void Finished(ILogger logger, string batchId, string status, double durationMs);

        [LoggerMessage(3, LogLevel.Error, "Batch {BatchId} could not run")]
        public static partial void Failed(ILogger logger, string batchId, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "Batch {BatchId} is cancelled because the server is stopping; 'fanout resume' continues it")]
        public static partial void CancellingForShutdown(ILogger logger, string batchId);

        [LoggerMessage(5, LogLevel.Warning, "Batch {BatchId} is handed over because the server is stopping: {Successor} coordinates runs and takes it over once this server has left the cluster")]
        public static partial void HandingOver(ILogger logger, string batchId, string successor);

        [LoggerMessage(6, LogLevel.Warning, "Batch {BatchId} cannot be handed over: no other server of the cluster coordinates runs (fanout serve --role api|all), so it is cancelled as in a single server")]
        public static partial void NoSuccessor(ILogger logger, string batchId);
    }
}
