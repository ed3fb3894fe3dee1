using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Events;
using Fanout.Cluster.Hosting;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Runs;
using Fanout.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// What a worker silo does with a <see cref="LeaseBatch"/>: rebuilds the run's operation from its definition (once per run,
/// cached), finds the targets in the inventory the definition names, and runs them through one <see cref="BatchExecutor"/>
/// per batch — the same executor a single-process run uses, with its sessions, output capture, cancellation and
/// process-group kills — reporting each target as it ends. Retries, waves, failure policy and the timeout belong to the
/// coordinator; the worker runs one attempt per lease.
/// </summary>
internal sealed partial class WorkerRuntime(ClusterSettings settings, IHostApplicationLifetime lifetime, ILogger<WorkerRuntime> logger)
{
    private static readonly TimeSpan CacheIdle = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _slots = new(settings.MaxTargets, settings.MaxTargets);
    private readonly ConcurrentDictionary<string, ResolvedRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StampedInventory> _inventories = new(StringComparer.Ordinal); // by sources
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _leases = new();
    private readonly ConcurrentDictionary<Guid, byte> _cancelledEarly = new();
    private readonly ConcurrentDictionary<LeasedBatch, byte> _batches = new();
    private IReadOnlySet<SiloAddress> _deadCoordinators = new HashSet<SiloAddress>();
    private int _running;
    private long _completed;

    /// <summary>Targets running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Targets this silo has finished since it started.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>
    /// Runs the targets of <paramref name="batch"/> through one <see cref="BatchExecutor"/> (each target still waits for one of
    /// this silo's <c>--max-targets</c> slots) and yields each target's report as soon as it ends.
    /// </summary>
    public async IAsyncEnumerable<TargetReport> RunBatchAsync(LeaseBatch batch)
    {
        var reports = Channel.CreateUnbounded<TargetReport>(new UnboundedChannelOptions { SingleReader = true });
        Task running = Task.Run(() => RunBatchCoreAsync(batch, reports.Writer));
        await foreach (TargetReport report in reports.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            yield return report;
        }

        await running.ConfigureAwait(false);
    }

    /// <summary>Stops the targets of <paramref name="leaseIds"/> (the coordinator cancelled them: run cancelled, target timed out).</summary>
    public void Cancel(IEnumerable<Guid> leaseIds)
    {
        foreach (Guid id in leaseIds)
        {
            if (!_leases.TryGetValue(id, out CancellationTokenSource? cts))
            {
                // The cancel overtook its batch (messages are not ordered): the lease is cancelled as it registers.
                if (_cancelledEarly.Count < 10_000)
                {
                    _cancelledEarly.TryAdd(id, 0);
                }
            }
            else
            {
                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // ended meanwhile
                }
            }
        }
    }

    /// <summary>
    /// Called with the silos Orleans' membership now lists dead: every batch leased by one of them is orphaned — its targets
    /// are stopped (process groups killed, as on a coordinator's cancel) and its reports dropped. Nobody is left to read them,
    /// and another coordinator takes the run over and runs those targets again; letting them run on here would exceed the
    /// run's <c>--parallel</c>.
    /// </summary>
    /// <returns>How many targets were stopped.</returns>
    public int CoordinatorsDead(IReadOnlySet<SiloAddress> dead)
    {
        // Published before the scan, and a batch registers before it reads the set: a batch arriving meanwhile is seen by one
        // side or the other.
        Interlocked.Exchange(ref _deadCoordinators, dead);
        int stopped = 0;
        foreach (LeasedBatch leased in _batches.Keys)
        {
            if (dead.Contains(leased.Coordinator))
            {
                stopped += leased.Orphan();
            }
        }

        return stopped;
    }

    private async Task RunBatchCoreAsync(LeaseBatch batch, ChannelWriter<TargetReport> reports)
    {
        var byTarget = new Dictionary<string, TargetLease>(StringComparer.Ordinal);
        var tokens = new Dictionary<string, CancellationTokenSource>(StringComparer.Ordinal);
        var reported = new HashSet<Guid>();
        using var leased = new LeasedBatch(batch.Coordinator, reports, batch.Leases.Length);
        _batches.TryAdd(leased, 0);
        try
        {
            if (Volatile.Read(ref _deadCoordinators).Contains(batch.Coordinator))
            {
                // The coordinator was declared dead before its batch arrived: nothing of it runs.
                LogOrphaned(logger, batch.Coordinator.ToParsableString(), batch.RunId, batch.Leases.Length);
                return;
            }

            ResolvedRun run;
            try
            {
                run = await ResolveAsync(batch, _abort.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FanoutException or FormatException or ArgumentException or IOException)
            {
                foreach (TargetLease lease in batch.Leases)
                {
                    reports.TryWrite(Report(lease, TargetState.Failed, null, $"worker {settings.Name} cannot run the run's definition: {e.Message}"));
                }

                return;
            }

            var targets = new List<Target>(batch.Leases.Length);
            foreach (TargetLease lease in batch.Leases)
            {
                if (run.Inventory.FindTarget(lease.Target) is not { } target)
                {
                    reports.TryWrite(Report(lease, TargetState.Failed, null, $"target '{lease.Target}' is not in the inventory of worker {settings.Name}"));
                    continue;
                }

                // The silo stopping — SIGTERM, or Orleans telling a silo voted dead to stop — stops every target it runs
                // (their process groups are killed), so nothing keeps running that the coordinator re-issues elsewhere.
                // The batch's coordinator declared dead stops them too (CoordinatorsDead).
                var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, _abort.Token, leased.Orphaned);
                _leases[lease.LeaseId] = cts;
                if (_cancelledEarly.TryRemove(lease.LeaseId, out _))
                {
                    cts.Cancel();
                }

                tokens[target.Name] = cts;
                byTarget[target.Name] = lease;
                targets.Add(target);
            }

            if (targets.Count == 0 || leased.Orphaned.IsCancellationRequested)
            {
                return;
            }

            // One attempt per target, no timeout of its own: the coordinator's timeout cancels the lease, which stops the process.
            ExecutionOptions options = run.Options with
            {
                MaxConcurrency = targets.Count,
                BatchSizes = [],
                BatchWait = TimeSpan.Zero,
                Timeout = Timeout.InfiniteTimeSpan,
                OverallTimeout = null,
                FailFast = false,
                MaxFailPercent = null,
                Retries = 0,
                Atomic = false,
            };
            var finished = Channel.CreateUnbounded<TargetOutcome>(new UnboundedChannelOptions { SingleReader = true });
            var tracker = new ProgressTracker();
            tracker.OnTargetFinished((outcome, _, _) => finished.Writer.TryWrite(outcome));
            Task sending = SendReportsAsync(finished.Reader, byTarget, batch.OutputLimit, reports, reported);
            var forwarder = new OutputForwarder(byTarget, settings.Name);
            tracker.OnOutput(forwarder.Observe);
            using var forwarding = new CancellationTokenSource();
            Task forwarded = forwarder.RunAsync(reports, forwarding.Token);
            var executor = new BatchExecutor(options, run.Transports, TimeProvider.System, logger);
            BatchResult result = await executor.ExecuteAsync(new LeasedOperation(this, run.Operation, tokens), targets, tracker, batch.RunId).ConfigureAwait(false);
            await forwarding.CancelAsync().ConfigureAwait(false);
            await forwarded.ConfigureAwait(false);
            try
            {
                foreach (TargetOutcome outcome in result.Outcomes)
                {
                    finished.Writer.TryWrite(outcome); // a target the tracker did not report (not run) is reported from the result
                }

                finished.Writer.TryComplete();
                await sending.ConfigureAwait(false);
            }
            finally
            {
                result.DeleteSpillFiles(); // the bytes are in the reports now: nothing of a target stays on the worker
            }
        }
        finally
        {
            _batches.TryRemove(leased, out _);
            foreach (TargetLease lease in batch.Leases)
            {
                if (_leases.TryRemove(lease.LeaseId, out CancellationTokenSource? cts))
                {
                    cts.Dispose();
                }
            }

            reports.TryComplete();
        }
    }

    private async Task SendReportsAsync(ChannelReader<TargetOutcome> finished, Dictionary<string, TargetLease> byTarget, int outputLimit, ChannelWriter<TargetReport> reports, HashSet<Guid> reported)
    {
        await foreach (TargetOutcome outcome in finished.ReadAllAsync().ConfigureAwait(false))
        {
            if (!byTarget.TryGetValue(outcome.Target, out TargetLease? lease) || !reported.Add(lease.LeaseId))
            {
                continue;
            }

            Interlocked.Increment(ref _completed);
            TargetReport report;
            try
            {
                report = await ReportAsync(lease, outcome, outputLimit, _abort.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                report = Report(lease, TargetState.Failed, outcome.ExitCode, $"worker {settings.Name} could not read the target's output: {e.Message}");
            }

            // The silo stopping while the target ran: the coordinator is told the worker is gone (not that the target
            // failed), so it runs the target on another worker.
            reports.TryWrite(StoppingNow ? report with { Lost = true } : report);
        }
    }

    private bool StoppingNow => lifetime.ApplicationStopping.IsCancellationRequested || _abort.IsCancellationRequested;

    /// <summary>The run's operation behind this silo's <c>--max-targets</c> slots and each lease's own cancellation.</summary>
    private sealed class LeasedOperation(WorkerRuntime runtime, IOperation inner, Dictionary<string, CancellationTokenSource> tokens) : IOperation
    {
        public string Name => inner.Name;

        public string? Validate(Target target) => inner.Validate(target);

        public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, tokens[target.Name].Token);
            await runtime._slots.WaitAsync(both.Token).ConfigureAwait(false);
            Interlocked.Increment(ref runtime._running);
            try
            {
                return await inner.ExecuteAsync(target, context, both.Token).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref runtime._running);
                runtime._slots.Release();
            }
        }
    }

    private async Task<TargetReport> ReportAsync(TargetLease lease, TargetOutcome outcome, int outputLimit, CancellationToken cancellationToken) =>
        new()
        {
            LeaseId = lease.LeaseId,
            Epoch = lease.Epoch,
            Worker = settings.Name,
            State = outcome.State.ToWireName(),
            ExitCode = outcome.ExitCode,
            Error = outcome.Error,
            Stdout = await ReadAsync(outcome.Stdout, outputLimit, cancellationToken).ConfigureAwait(false),
            StdoutBytes = outcome.Stdout.TotalBytes,
            Stderr = await ReadAsync(outcome.Stderr, outputLimit, cancellationToken).ConfigureAwait(false),
            StderrBytes = outcome.Stderr.TotalBytes,
        };

    /// <summary>
    /// Stops every target this silo runs now — their process groups are killed as on cancellation — and waits at most
    /// <paramref name="wait"/> for them to end. Called when Orleans tells this silo it was declared dead, just before the
    /// process ends: the coordinator re-issues those targets elsewhere, so none may keep running here.
    /// </summary>
    /// <returns>Whether every target ended in time.</returns>
    public bool AbortAll(TimeSpan wait)
    {
        _abort.Cancel();
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (Running > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        return Running == 0;
    }

    private TargetReport Report(TargetLease lease, TargetState state, int? exitCode, string error) => new()
    {
        LeaseId = lease.LeaseId,
        Epoch = lease.Epoch,
        Worker = settings.Name,
        State = state.ToWireName(),
        ExitCode = exitCode,
        Error = error,
    };

    private static async Task<byte[]> ReadAsync(CapturedOutput output, int limit, CancellationToken cancellationToken)
    {
        if (output.TotalBytes == 0)
        {
            return [];
        }

        await using Stream stream = output.OpenRead();
        var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while (buffer.Length < limit && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async Task<ResolvedRun> ResolveAsync(LeaseBatch lease, CancellationToken cancellationToken)
    {
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        foreach ((string id, ResolvedRun old) in _runs)
        {
            if (now - old.LastUsed > CacheIdle)
            {
                _runs.TryRemove(id, out _);
            }
        }

        if (_runs.TryGetValue(lease.RunId, out ResolvedRun? cached) && cached.Definition == lease.Definition)
        {
            cached.LastUsed = now;
            return cached;
        }

        RunDefinition definition = RunDefinition.FromJson(lease.Definition);
        // One inventory per list of sources, parsed again only when a source file changes: runs over the same inventory (the
        // common case) do not parse a 10,000-target file on every worker for every run.
        if (_inventories.Count > 64)
        {
            _inventories.Clear();
        }

        StampedInventory sources = _inventories.GetOrAdd(string.Join('\n', definition.Inventory), _ => new StampedInventory(definition.Inventory));
        Inventory.Inventory inventory = await sources.GetAsync(cancellationToken).ConfigureAwait(false);
        IOperation operation = definition.CreateOperation(inventory, lease.StandardInput);
        var resolved = new ResolvedRun(lease.Definition, inventory, operation, definition.Options.ToExecutionOptions(), BuiltInTransports.Create(definition.Ssh?.ToOptions())) { LastUsed = now };
        _runs[lease.RunId] = resolved;
        return resolved;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "coordinator {Coordinator} was declared dead before its batch of run {RunId} arrived: its {Leases} targets are not run")]
    private static partial void LogOrphaned(ILogger logger, string coordinator, string runId, int leases);

    private sealed record ResolvedRun(string Definition, Inventory.Inventory Inventory, IOperation Operation, ExecutionOptions Options, TransportRegistry Transports)
    {
        public DateTimeOffset LastUsed { get; set; }
    }
}
