using System.Collections.Concurrent;
using System.Threading.Channels;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Runs;
using Fanout.Transports;
using Microsoft.Extensions.Logging;

namespace Fanout.Cluster.Workers;

/// <summary>The leases of a grant: how the worker runs them through one executor and reports each one on its channel.</summary>
internal sealed partial class WorkerRuntime
{
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
            LogGrantFailed(_logger, e, channel.Opening.RunId, leases.Length);
            foreach (TargetLease lease in leases)
            {
                if (reported.TryAdd(lease.LeaseId, 0))
                {
                    channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"worker {_settings.Name} could not run the target: {e.Message}") with { Lost = StoppingNow });
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
        var rendered = new Dictionary<string, IOperation>(StringComparer.Ordinal);
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
                channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"worker {_settings.Name} cannot run the run's definition: {e.Message}"));
            }

            return;
        }

        var targets = new List<Target>(leases.Length);
        foreach (TargetLease lease in leases)
        {
            if (run.Inventory.FindTarget(lease.Target) is not { } target)
            {
                reported.TryAdd(lease.LeaseId, 0);
                channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"target '{lease.Target}' is not in the inventory of worker {_settings.Name}"));
                continue;
            }

            if (lease.Command is { } command)
            {
                // A workflow step rendered for this target: its own command or script in place of the definition's.
                try
                {
                    rendered[target.Name] = run.Parsed.WithRendered(command).CreateOperation(run.Inventory, channel.Opening.StandardInput);
                }
                catch (FanoutException e)
                {
                    reported.TryAdd(lease.LeaseId, 0);
                    channel.Forwarder.Finish(Report(lease, TargetState.Failed, null, $"worker {_settings.Name} cannot run the target's command: {e.Message}"));
                    continue;
                }
            }

            // The silo stopping — SIGTERM, or Orleans telling a silo voted dead to stop — stops every target it runs
            // (their process groups are killed), so nothing keeps running that the coordinator re-issues elsewhere.
            // The channel ending (closed, or its coordinator declared dead: CoordinatorsDead) stops them too.
            var cts = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.ApplicationStopping, _abort.Token, channel.Ended);
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
            result = await executor.ExecuteAsync(new LeasedOperation(this, run.Operation, rendered, tokens), targets, tracker, channel.Opening.RunId).ConfigureAwait(false);
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
                report = Report(lease, TargetState.Failed, outcome.ExitCode, $"worker {_settings.Name} could not read the target's output: {e.Message}");
            }

            // The silo stopping while the target ran: the coordinator is told the worker is gone (not that the target
            // failed), so it runs the target on another worker.
            channel.Forwarder.Finish(StoppingNow ? report with { Lost = true } : report);
        }
    }

    private bool StoppingNow => _lifetime.ApplicationStopping.IsCancellationRequested || _abort.IsCancellationRequested;

    /// <summary>
    /// The run's operation (or a target's own, <paramref name="rendered"/>) behind this silo's <c>--max-targets</c> slots and each
    /// lease's own cancellation.
    /// </summary>
    private sealed class LeasedOperation(WorkerRuntime runtime, IOperation inner, Dictionary<string, IOperation> rendered, Dictionary<string, CancellationTokenSource> tokens) : IOperation
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
                IOperation operation = rendered.GetValueOrDefault(target.Name) ?? inner;
                return await operation.ExecuteAsync(target, context, both.Token).ConfigureAwait(false);
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
            Worker = _settings.Name,
            State = outcome.State.ToWireName(),
            ExitCode = outcome.ExitCode,
            Error = outcome.Error,
            Stdout = await ReadAsync(outcome.Stdout, outputLimit, cancellationToken).ConfigureAwait(false),
            StdoutBytes = outcome.Stdout.TotalBytes,
            Stderr = await ReadAsync(outcome.Stderr, outputLimit, cancellationToken).ConfigureAwait(false),
            StderrBytes = outcome.Stderr.TotalBytes,
        };

    private TargetReport Report(TargetLease lease, TargetState state, int? exitCode, string error) => new()
    {
        LeaseId = lease.LeaseId,
        Epoch = lease.Epoch,
        Worker = _settings.Name,
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
        var resolved = new ResolvedRun(lease.Definition, definition, inventory, operation, definition.Options.ToExecutionOptions(), BuiltInTransports.Create(definition.Ssh?.ToOptions())) { LastUsed = now };
        _runs[lease.RunId] = resolved;
        return resolved;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "running {Leases} leased targets of run {RunId} failed; each is reported failed (or lost, when this silo stops)")]
    private static partial void LogGrantFailed(ILogger logger, Exception exception, string runId, int leases);

    private sealed record ResolvedRun(string Definition, RunDefinition Parsed, Inventory.Inventory Inventory, IOperation Operation, ExecutionOptions Options, TransportRegistry Transports)
    {
        public DateTimeOffset LastUsed { get; set; }
    }
}
