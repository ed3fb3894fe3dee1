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
/// What a worker silo does with the leases its coordinators grant: each coordinator opens one report channel per run
/// (<see cref="OpenAsync"/>) and grants leases on it (<see cref="Grant"/>). The worker rebuilds the run's operation from its
/// definition (once per run, cached), finds the targets in the inventory the definition names, and runs each grant's targets
/// through one <see cref="BatchExecutor"/> — the same executor a single-process run uses, with its sessions, output capture,
/// cancellation and process-group kills — reporting each target on the channel as it ends. Retries, waves, failure policy and
/// the timeout belong to the coordinator; the worker runs one attempt per lease.
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
    private readonly ConcurrentDictionary<Guid, WorkerChannel> _channels = new();
    private readonly GrantLogger _grantLogger = new(logger);
    private IReadOnlySet<SiloAddress> _deadCoordinators = new HashSet<SiloAddress>();
    private int _running;
    private long _completed;

    /// <summary>Targets running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Targets this silo has finished since it started.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>
    /// Opens the report channel of <paramref name="opening"/>, runs its first leases, and yields an
    /// <see cref="TargetReport.Opened"/> report and then every report of the channel's leases until the channel ends (closed by
    /// its coordinator, <see cref="Close"/>, or the coordinator declared dead). Nothing runs for a coordinator already dead.
    /// </summary>
    public async IAsyncEnumerable<TargetReport> OpenAsync(LeaseBatch opening)
    {
        var channel = new WorkerChannel(opening, settings.Name);
        if (!_channels.TryAdd(channel.Id, channel))
        {
            channel.Dispose();
            throw new InvalidOperationException($"channel {channel.Id} is open already");
        }

        try
        {
            // Registered before the dead coordinators are read, and they are published before the channels are scanned
            // (CoordinatorsDead): a channel opening meanwhile is seen by one side or the other.
            if (Volatile.Read(ref _deadCoordinators).Contains(channel.Coordinator))
            {
                LogOrphaned(logger, channel.Coordinator.ToParsableString(), opening.RunId, opening.Leases.Length);
                yield break;
            }

            LogChannelOpened(logger, opening.RunId, channel.Coordinator.ToParsableString());
            yield return new TargetReport { LeaseId = Guid.Empty, Worker = settings.Name, State = "open", Opened = true };
            Task forwarding = channel.Forwarder.RunAsync(channel.Ended);
            Grant(channel, opening.Leases);
            // A stopping silo drains its channels, so Orleans' shutdown never waits on a stream that would not end.
            using (lifetime.ApplicationStopping.Register(static c => ((WorkerChannel)c!).Drain(), channel))
            {
                await foreach (TargetReport report in channel.Reports.ReadAllAsync().ConfigureAwait(false))
                {
                    yield return report;
                }
            }

            channel.End(); // stops the forwarder
            await forwarding.ConfigureAwait(false);
        }
        finally
        {
            // Closed, orphaned, or the stream given up by Orleans (its reader is gone): nothing of it keeps running.
            if (_channels.TryRemove(channel.Id, out _))
            {
                channel.End();
                LogChannelEnded(logger, opening.RunId, channel.Granted);
            }
        }
    }

    /// <summary>Runs <paramref name="leases"/> under the open channel <paramref name="channelId"/>.</summary>
    /// <exception cref="SiloUnavailableException">The channel is not open on this silo.</exception>
    public void Grant(Guid channelId, TargetLease[] leases)
    {
        if (!_channels.TryGetValue(channelId, out WorkerChannel? channel) || !Grant(channel, leases))
        {
            throw new SiloUnavailableException($"worker {settings.Name} has no open channel {channelId}");
        }
    }

    /// <summary>Closes the channel <paramref name="channelId"/> (its coordinator has no lease left on it).</summary>
    public void Close(Guid channelId)
    {
        if (_channels.TryGetValue(channelId, out WorkerChannel? channel))
        {
            channel.End();
        }
    }

    // Registered on the channel at once (a draining channel waits for them), run off the grain's scheduler on the thread pool.
    private bool Grant(WorkerChannel channel, TargetLease[] leases)
    {
        if (!channel.Running(leases))
        {
            return false;
        }

        _ = Task.Run(() => RunLeasesAsync(channel, leases));
        return true;
    }

    /// <summary>Stops the targets of <paramref name="leaseIds"/> (the coordinator cancelled them: run cancelled, target timed out).</summary>
    public void Cancel(IEnumerable<Guid> leaseIds)
    {
        foreach (Guid id in leaseIds)
        {
            if (!_leases.TryGetValue(id, out CancellationTokenSource? cts))
            {
                // The cancel overtook its grant (messages are not ordered): the lease is cancelled as it registers.
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
    /// Called with the silos Orleans' membership now lists dead: every channel opened by one of them is orphaned — its targets
    /// are stopped (process groups killed, as on a coordinator's cancel) and its reports dropped. Nobody is left to read them,
    /// and another coordinator takes the run over and runs those targets again; letting them run on here would exceed the
    /// run's <c>--parallel</c>.
    /// </summary>
    /// <returns>How many targets were stopped.</returns>
    public int CoordinatorsDead(IReadOnlySet<SiloAddress> dead)
    {
        // Published before the scan, and a channel registers before it reads the set: a channel opening meanwhile is seen by
        // one side or the other.
        Interlocked.Exchange(ref _deadCoordinators, dead);
        int stopped = 0;
        foreach (WorkerChannel channel in _channels.Values)
        {
            if (dead.Contains(channel.Coordinator))
            {
                stopped += channel.End();
            }
        }

        return stopped;
    }

    private async Task RunLeasesAsync(WorkerChannel channel, TargetLease[] leases)
    {
        var reported = new ConcurrentDictionary<Guid, byte>();
        try
        {
            await RunLeasesCoreAsync(channel, leases, reported).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Never leave a lease without a report: its coordinator would wait for it for ever. A silo stopping says lost (the
            // target runs again elsewhere), anything else fails the target with the reason.
            LogGrantFailed(logger, e, channel.Opening.RunId, leases.Length);
            foreach (TargetLease lease in leases)
            {
                if (reported.TryAdd(lease.LeaseId, 0))
                {
                    channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"worker {settings.Name} could not run the target: {e.Message}") with { Lost = StoppingNow });
                }
            }
        }
        finally
        {
            foreach (TargetLease lease in leases)
            {
                if (_leases.TryRemove(lease.LeaseId, out CancellationTokenSource? cts))
                {
                    cts.Dispose();
                }

                channel.Done(lease.LeaseId);
            }
        }
    }

    private async Task RunLeasesCoreAsync(WorkerChannel channel, TargetLease[] leases, ConcurrentDictionary<Guid, byte> reported)
    {
        var byTarget = new Dictionary<string, TargetLease>(StringComparer.Ordinal);
        var tokens = new Dictionary<string, CancellationTokenSource>(StringComparer.Ordinal);
        ResolvedRun run;
        try
        {
            run = await ResolveAsync(channel.Opening, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FanoutException or FormatException or ArgumentException or IOException)
        {
            foreach (TargetLease lease in leases)
            {
                reported.TryAdd(lease.LeaseId, 0);
                channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"worker {settings.Name} cannot run the run's definition: {e.Message}"));
            }

            return;
        }

        var targets = new List<Target>(leases.Length);
        foreach (TargetLease lease in leases)
        {
            if (run.Inventory.FindTarget(lease.Target) is not { } target)
            {
                reported.TryAdd(lease.LeaseId, 0);
                channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"target '{lease.Target}' is not in the inventory of worker {settings.Name}"));
                continue;
            }

            // The silo stopping — SIGTERM, or Orleans telling a silo voted dead to stop — stops every target it runs
            // (their process groups are killed), so nothing keeps running that the coordinator re-issues elsewhere.
            // The channel ending (closed, or its coordinator declared dead: CoordinatorsDead) stops them too.
            var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, _abort.Token, channel.Ended);
            _leases[lease.LeaseId] = cts;
            if (_cancelledEarly.TryRemove(lease.LeaseId, out _))
            {
                cts.Cancel();
            }

            tokens[target.Name] = cts;
            byTarget[target.Name] = lease;
            targets.Add(target);
        }

        if (targets.Count == 0 || channel.Ended.IsCancellationRequested)
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
        Task sending = SendReportsAsync(finished.Reader, byTarget, channel, reported);
        tracker.OnOutput((target, _, stream, data) =>
        {
            if (byTarget.TryGetValue(target, out TargetLease? lease))
            {
                channel.Forwarder.Observe(lease, stream, data);
            }
        });
        var executor = new BatchExecutor(options, run.Transports, TimeProvider.System, _grantLogger);
        BatchResult result;
        try
        {
            result = await executor.ExecuteAsync(new LeasedOperation(this, run.Operation, tokens), targets, tracker, channel.Opening.RunId).ConfigureAwait(false);
        }
        catch
        {
            finished.Writer.TryComplete();
            await sending.ConfigureAwait(false); // the reports of the targets that ended are written before the others fail
            throw;
        }

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

    private async Task SendReportsAsync(ChannelReader<TargetOutcome> finished, Dictionary<string, TargetLease> byTarget, WorkerChannel channel, ConcurrentDictionary<Guid, byte> reported)
    {
        await foreach (TargetOutcome outcome in finished.ReadAllAsync().ConfigureAwait(false))
        {
            if (!byTarget.TryGetValue(outcome.Target, out TargetLease? lease) || !reported.TryAdd(lease.LeaseId, 0))
            {
                continue;
            }

            Interlocked.Increment(ref _completed);
            TargetReport report;
            try
            {
                report = await ReportAsync(lease, outcome, channel.Opening.OutputLimit, _abort.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                report = Report(lease, TargetState.Failed, outcome.ExitCode, $"worker {settings.Name} could not read the target's output: {e.Message}");
            }

            // The silo stopping while the target ran: the coordinator is told the worker is gone (not that the target
            // failed), so it runs the target on another worker.
            channel.Forwarder.Finish(StoppingNow ? report with { Lost = true } : report);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: coordinator {Coordinator} opened a report channel on this worker")]
    private static partial void LogChannelOpened(ILogger logger, string runId, string coordinator);

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: report channel ended after {Leases} leases")]
    private static partial void LogChannelEnded(ILogger logger, string runId, long leases);

    [LoggerMessage(Level = LogLevel.Error, Message = "running {Leases} leased targets of run {RunId} failed; each is reported failed (or lost, when this silo stops)")]
    private static partial void LogGrantFailed(ILogger logger, Exception exception, string runId, int leases);

    [LoggerMessage(Level = LogLevel.Warning, Message = "coordinator {Coordinator} was declared dead before its channel of run {RunId} opened: its {Leases} targets are not run")]
    private static partial void LogOrphaned(ILogger logger, string coordinator, string runId, int leases);

    private sealed record ResolvedRun(string Definition, Inventory.Inventory Inventory, IOperation Operation, ExecutionOptions Options, TransportRegistry Transports)
    {
        public DateTimeOffset LastUsed { get; set; }
    }
}
