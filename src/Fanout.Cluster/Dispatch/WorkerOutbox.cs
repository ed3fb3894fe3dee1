using Fanout.Cluster.Workers;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The leases of one run waiting to go to one worker. Leases queued while a send is being scheduled leave together, as one
/// <see cref="IWorkerGrain.RunBatchAsync"/> call (a batch), whose reports stream back as each target ends; several batches
/// of the same run may be running on the worker at once. When the call breaks (the worker's silo was declared dead) every
/// lease of the batch without a report fails with the call's exception, so exactly what that worker held runs again.
/// </summary>
internal sealed class WorkerOutbox(IWorkerGrain worker, string workerName, string runId, string definition, LeaseFence fence, Orleans.Runtime.SiloAddress coordinator)
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
    /// Withdraws <paramref name="pending"/> (its target was cancelled or timed out): dropped if it has not left yet, else the
    /// worker is told to stop it. Its task ends cancelled at once.
    /// </summary>
    public void Cancel(PendingLease pending, CancellationToken cancellationToken)
    {
        bool sent;
        lock (_queue)
        {
            sent = !_queue.Remove(pending);
        }

        if (sent)
        {
            _ = CancelOnWorkerAsync(pending.Lease.LeaseId);
        }

        pending.Completion.TrySetCanceled(cancellationToken);
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

    private async Task RunAsync(PendingLease[] batch)
    {
        var byId = batch.ToDictionary(p => p.Lease.LeaseId);
        try
        {
            // Each lease gets its target's next epoch in the store before it leaves; the worker's report carries it back.
            IReadOnlyDictionary<string, long> epochs = await fence.GrantAsync(runId, workerName, [.. batch.Select(p => (p.Lease.Target, p.Lease.Attempt, p.Lease.LeaseId))], CancellationToken.None).ConfigureAwait(false);
            foreach (PendingLease pending in batch)
            {
                pending.Lease = pending.Lease with { Epoch = epochs[pending.Lease.Target] };
            }

            var leases = new LeaseBatch { RunId = runId, Definition = definition, Leases = [.. batch.Select(p => p.Lease)], Coordinator = coordinator };
            await foreach (TargetReport report in worker.RunBatchAsync(leases).ConfigureAwait(false))
            {
                if (report.Interim)
                {
                    // Output while the target runs, from this lease's current grant only.
                    if (byId.TryGetValue(report.LeaseId, out PendingLease? running) && report.Epoch == running.Lease.Epoch)
                    {
                        running.Output?.Invoke(report);
                    }

                    continue;
                }

                if (byId.Remove(report.LeaseId, out PendingLease? pending))
                {
                    pending.Completion.TrySetResult(report);
                }
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
    /// <summary>The lease; its epoch is set when the lease is granted in the store, just before it leaves.</summary>
    public TargetLease Lease { get; set; } = lease;

    public TaskCompletionSource<TargetReport> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes the interim reports (output printed so far) that arrive before <see cref="Completion"/>.</summary>
    public Action<TargetReport>? Output { get; init; }
}
