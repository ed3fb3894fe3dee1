using Fanout.Cluster.Workers;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The leases of one run waiting to go to one worker. Leases queued while a send is being scheduled leave together, as one
/// <see cref="IWorkerGrain.RunBatchAsync"/> call (a batch), whose reports stream back as each target ends; several batches
/// of the same run may be running on the worker at once. When the call breaks (the worker's silo was declared dead) every
/// lease of the batch without a report fails with the call's exception, so exactly what that worker held runs again.
/// <para>
/// Fencing of reports: each lease leaves with a fresh id and epoch, and a report is taken only for a lease of this batch that is
/// still waiting for it with that same epoch; any other report (a lease withdrawn after a timeout or cancel whose grace ran out,
/// one already reported) is dropped and counted (<see cref="ClusterMetrics.StaleReportsRejected"/>). A report can only come back on the call
/// that carried its lease, so a worker declared dead — whose call has broken — can report nothing more here; what a coordinator
/// that lost the run writes is refused by the store (the run's owner fence, docs/scale-out.md "Fencing").
/// </para>
/// </summary>
internal sealed class WorkerOutbox(IWorkerGrain worker, string runId, string definition, ClusterMetrics metrics, Orleans.Runtime.SiloAddress coordinator)
{
    private readonly List<PendingLease> _queue = [];
    private bool _sending;

    /// <summary>Queues <paramref name="lease"/>; the returned lease completes with the worker's report.</summary>
    public PendingLease Enqueue(TargetLease lease, Action<TargetReport>? output = null)
    {
        var pending = new PendingLease(lease) { Output = output };
        lock (_queue)
        {
            _queue.Add(pending);
            if (_sending)
            {
                return pending;
            }

            _sending = true;
        }

        _ = Task.Run(SendQueuedAsync);
        return pending;
    }

    /// <summary>
    /// How long a lease withdrawn after it left waits for the worker's final report (the output printed up to the kill) before
    /// it ends cancelled with what was forwarded: below the executor's default cancellation grace period (5 s), so a run cancel
    /// still ends every target before the executor gives up on them.
    /// </summary>
    public static readonly TimeSpan DefaultCancelGrace = TimeSpan.FromSeconds(3);

    /// <summary>See <see cref="DefaultCancelGrace"/>; settable for tests.</summary>
    public TimeSpan CancelGrace { get; init; } = DefaultCancelGrace;

    /// <summary>
    /// Withdraws <paramref name="pending"/> (its target was cancelled or timed out). Not left yet: dropped, its task ends
    /// cancelled at once. Left: the worker is told to stop it, and its task ends with the worker's final report (the output up
    /// to the kill; the caller keeps its own verdict) or, after <see cref="CancelGrace"/> without one, cancelled.
    /// </summary>
    public void Cancel(PendingLease pending, CancellationToken cancellationToken)
    {
        bool sent;
        lock (_queue)
        {
            sent = !_queue.Remove(pending);
        }

        if (!sent)
        {
            pending.Completion.TrySetCanceled(cancellationToken);
            return;
        }

        _ = CancelOnWorkerAsync(pending.Lease.LeaseId);
        var grace = new CancellationTokenSource(CancelGrace);
        grace.Token.UnsafeRegister(static s => ((PendingLease)s!).Completion.TrySetCanceled(), pending);
        _ = pending.Completion.Task.ContinueWith(static (_, g) => ((CancellationTokenSource)g!).Dispose(), grace, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task CancelOnWorkerAsync(Guid leaseId)
    {
        try
        {
            await worker.CancelAsync([leaseId]).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The worker is gone or going: its targets stop with it.
        }
    }

    private async Task SendQueuedAsync()
    {
        await Task.Yield();
        while (true)
        {
            PendingLease[] batch;
            lock (_queue)
            {
                if (_queue.Count == 0)
                {
                    _sending = false;
                    return;
                }

                batch = [.. _queue];
                _queue.Clear();
            }

            _ = RunAsync(batch);
        }
    }

    private static long s_epoch;

    private async Task RunAsync(PendingLease[] batch)
    {
        foreach (PendingLease pending in batch)
        {
            pending.Lease = pending.Lease with { Epoch = Interlocked.Increment(ref s_epoch) };
        }

        var byId = batch.ToDictionary(p => p.Lease.LeaseId);
        try
        {
            var leases = new LeaseBatch { RunId = runId, Definition = definition, Leases = [.. batch.Select(p => p.Lease)], Coordinator = coordinator };
            await foreach (TargetReport report in worker.RunBatchAsync(leases).ConfigureAwait(false))
            {
                if (!byId.TryGetValue(report.LeaseId, out PendingLease? pending) || report.Epoch != pending.Lease.Epoch || pending.Completion.Task.IsCompleted)
                {
                    if (pending?.Completion.Task.IsCanceled != true)
                    {
                        metrics.StaleReportRejected(); // answers no lease of this batch that waits for it
                    }

                    continue;
                }

                if (report.Interim)
                {
                    pending.Output?.Invoke(report); // output while the target runs
                    continue;
                }

                byId.Remove(report.LeaseId);
                pending.Completion.TrySetResult(report);
            }

            foreach (PendingLease pending in byId.Values)
            {
                pending.Completion.TrySetException(new Orleans.Runtime.SiloUnavailableException("the worker ended the batch without reporting this target"));
            }
        }
        catch (Exception e)
        {
            foreach (PendingLease pending in byId.Values)
            {
                pending.Completion.TrySetException(e);
            }
        }
    }
}

/// <summary>A lease queued for, or running on, a worker.</summary>
internal sealed class PendingLease(TargetLease lease)
{
    /// <summary>The lease; its epoch is set just before it leaves, unique in this process.</summary>
    public TargetLease Lease { get; set; } = lease;

    public TaskCompletionSource<TargetReport> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes the interim reports (output printed so far) that arrive before <see cref="Completion"/>.</summary>
    public Action<TargetReport>? Output { get; init; }
}
