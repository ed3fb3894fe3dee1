using System.Collections.Concurrent;
using Fanout.Cluster.Workers;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The operation a coordinator's executor runs for each target of a distributed run: it leases the target to the
/// least-loaded live worker — on the run's report channel to that worker, leases queued together leaving in one grant
/// (<see cref="WorkerOutbox"/>) — and turns the worker's report back into the attempt's result, so the coordinator's
/// <see cref="BatchExecutor"/> keeps owning <c>--parallel</c>, waves, retries, the timeout, the failure policy and
/// cancellation across all workers, and its recorder writes every row (workers never write to the store; a report counts only
/// for the lease it answers, <see cref="WorkerOutbox"/>, and the store refuses the writes of a coordinator that lost the run). A worker lost mid-target (its silo declared dead) is
/// excluded and the target runs again on another worker within the same attempt — only what that worker held runs twice.
/// A target timed out or cancelled after its lease left keeps its slot until the worker's final report arrives (the output up
/// to the kill, kept as a local target's) or <see cref="WorkerOutbox.CancelGrace"/> passes (the forwarded output is kept).
/// A run asking for worker labels is leased only to workers that have them (<paramref name="labels"/>). A workflow step whose
/// command is rendered per target sends each target's own text with its lease (<paramref name="renderFor"/>).
/// </summary>
internal sealed partial class ClusterDispatchOperation(
    IOperation local,
    string definition,
    IReadOnlyDictionary<string, string>? labels,
    WorkerDirectory workers,
    IGrainFactory grains,
    ClusterMetrics metrics,
    SiloAddress coordinator,
    ILogger logger,
    Func<Target, string?>? renderFor = null) : IOperation
{
    public string Name => local.Name;

    public string? Validate(Target target) => local.Validate(target);

    private readonly ConcurrentDictionary<string, WorkerOutbox> _outboxes = new(StringComparer.Ordinal);

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        // Validate refuses a target whose text cannot be rendered before it starts; never send the unrendered template instead.
        string? command = renderFor is null ? null : renderFor(target) ?? throw new FanoutException("the command cannot be rendered for target " + target.Name);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var output = new ForwardedOutput(context);
        while (true)
        {
            using WorkerSlotLease worker = await workers.AcquireAsync(excluded, labels, cancellationToken).ConfigureAwait(false);
            var lease = new TargetLease { Target = target.Name, Attempt = context.Attempt, LeaseId = Guid.NewGuid(), Command = command };
            WorkerOutbox outbox = _outboxes.GetOrAdd(worker.Silo, silo => new WorkerOutbox(grains.GetGrain<IWorkerGrain>(silo), context.RunId, definition, metrics, coordinator));
            PendingLease pending = outbox.Enqueue(lease, output.Add);
            try
            {
                TargetReport report;
                using (cancellationToken.UnsafeRegister(static (s, token) => ((PendingCancel)s!).Run(token), new PendingCancel(outbox, pending)))
                {
                    report = await pending.Completion.Task.ConfigureAwait(false);
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    // Timed out or cancelled: the worker's final report carries the output up to the kill, kept as a local
                    // target's would be; the verdict stays the executor's (never the report's state or exit code).
                    output.Keep(report);
                    throw new OperationCanceledException(cancellationToken);
                }

                if (report.Lost && !cancellationToken.IsCancellationRequested)
                {
                    throw new SiloUnavailableException($"worker {report.Worker} stopped while running {target.Name}");
                }

                return ToResult(report, context, output);
            }
            catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                // Withdrawn, and the worker's call broke before its final report: what was forwarded is what is kept.
                throw new OperationCanceledException(e.Message, e, cancellationToken);
            }
            catch (Exception e) when (IsWorkerLost(e) && !cancellationToken.IsCancellationRequested)
            {
                metrics.LeaseLost();
                LogWorkerLost(logger, worker.Name, target.Name, e.Message);
                output.Lost($"[fanout] worker {worker.Name} was lost while running this target; it ran again on another worker\n");
                excluded.Add(worker.Silo);
            }
        }
    }

    private sealed record PendingCancel(WorkerOutbox Outbox, PendingLease Pending)
    {
        public void Run(CancellationToken token) => Outbox.Cancel(Pending, token);
    }

    private static bool IsWorkerLost(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException;

    private static OperationResult ToResult(TargetReport report, OperationContext context, ForwardedOutput output)
    {
        (CapturedOutput stdout, CapturedOutput stderr) = output.Complete(report);
        TargetState state = TargetStateExtensions.ParseWireName(report.State);
        if (state == TargetState.Unreachable && context is AttemptContext attempt)
        {
            // Classified as the executor classifies a session that never opened, so `retry --unreachable` aims at it.
            var failure = new TransportException(report.Error ?? "unreachable");
            attempt.MarkUnreachable(failure);
            throw failure;
        }

        return state switch
        {
            TargetState.Succeeded => new OperationResult { Success = true, ExitCode = report.ExitCode, Stdout = stdout, Stderr = stderr },
            TargetState.Skipped => new OperationResult { Success = true, Skipped = true, ExitCode = report.ExitCode, Error = report.Error, Stdout = stdout, Stderr = stderr },
            _ => new OperationResult { Success = false, ExitCode = report.ExitCode, Error = report.Error, Stdout = stdout, Stderr = stderr },
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "worker {Worker} was lost while running {Target}: {Reason}; the target runs again on another worker")]
    private static partial void LogWorkerLost(ILogger logger, string worker, string target, string reason);
}
