using Fanout.Cluster.Workers;
using Orleans.Runtime;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The leases of one run going to one worker, and the report channel they come back on. The first leases open the channel
/// (<see cref="IWorkerGrain.OpenAsync"/>, a streaming call that stays open); leases queued later leave together in one-way
/// grants (<see cref="IWorkerGrain.GrantAsync"/>: what queues while a grant is being sent leaves with the next), and
/// every report of every lease comes back on the one channel as its target prints and ends. A channel without a lease
/// waiting for <see cref="IdleClose"/> is closed; the next lease opens a new one. When the channel breaks (the worker's silo
/// was declared dead) every lease waiting on it fails with the call's exception, so exactly what that worker held runs again.
/// <para>
/// Fencing of reports: each lease leaves with a fresh id and epoch, and a report is taken only for a lease of this channel that
/// is still waiting for it with that same epoch; any other report (a lease withdrawn after a timeout or cancel whose grace ran
/// out, one already reported) is dropped and counted (<see cref="ClusterMetrics.StaleReportsRejected"/>). A report can only
/// come back on the channel its lease was granted on, so a worker declared dead — whose channel has broken — can report
/// nothing more here; what a coordinator that lost the run writes is refused by the store (the run's owner fence,
/// docs/scale-out.md "Fencing").
/// </para>
/// </summary>
internal sealed class WorkerOutbox(IWorkerGrain worker, string runId, string definition, ClusterMetrics metrics, SiloAddress coordinator)
{
    private readonly IWorkerGrain _worker = worker;
    private readonly ClusterMetrics _metrics = metrics;
    private readonly List<PendingLease> _queue = [];
    private bool _sending;
    private ReportChannel? _channel; // the open channel new leases go to, or null: the next send opens one

    /// <summary>
    /// How long a lease withdrawn after it left waits for the worker's final report (the output printed up to the kill) before
    /// it ends cancelled with what was forwarded: below the executor's default cancellation grace period (5 s), so a run cancel
    /// still ends every target before the executor gives up on them.
    /// </summary>
    public static readonly TimeSpan DefaultCancelGrace = TimeSpan.FromSeconds(3);

    /// <summary>See <see cref="DefaultCancelGrace"/>; settable for tests.</summary>
    public TimeSpan CancelGrace { get; init; } = DefaultCancelGrace;

    /// <summary>How long a channel stays open without a lease waiting on it (a run's next wave, its retries reuse it).</summary>
    public TimeSpan IdleClose { get; init; } = TimeSpan.FromSeconds(5);

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
            await _worker.CancelAsync([leaseId]).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The worker is gone or going: its targets stop with it.
        }
    }

    private static long s_epoch;

    // One send at a time per outbox: while a grant is being sent, the leases queued meanwhile wait and leave together next.
    private async Task SendQueuedAsync()
    {
        await Task.Yield();
        while (true)
        {
            PendingLease[] batch;
            ReportChannel channel;
            bool opens = false;
            lock (_queue)
            {
                if (_queue.Count == 0)
                {
                    _sending = false;
                    return;
                }

                batch = [.. _queue];
                _queue.Clear();
                if (_channel is not { } open)
                {
                    _channel = open = new ReportChannel(this);
                    opens = true;
                }

                channel = open;
            }

            foreach (PendingLease pending in batch)
            {
                pending.Lease = pending.Lease with { Epoch = Interlocked.Increment(ref s_epoch) };
            }

            if (!channel.Add(batch))
            {
                // The channel broke after it was picked (its worker is gone): these fail as its own leases did.
                Fail(batch, new SiloUnavailableException("the worker's report channel broke before these leases left"));
                continue;
            }

            if (opens)
            {
                var opening = new LeaseBatch { Channel = channel.Id, RunId = runId, Definition = definition, Leases = [.. batch.Select(p => p.Lease)], Coordinator = coordinator };
                _ = channel.RunAsync(() => _worker.OpenAsync(opening));
                _ = CloseWhenIdleAsync(channel);
                continue;
            }

            try
            {
                await channel.Opened.ConfigureAwait(false);
                await _worker.GrantAsync(channel.Id, [.. batch.Select(p => p.Lease)]).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(batch, e);
            }
        }
    }

    private static void Fail(IEnumerable<PendingLease> leases, Exception e)
    {
        foreach (PendingLease pending in leases)
        {
            pending.Completion.TrySetException(e);
        }
    }

    // Closes `channel` once it has been idle (no lease waiting, none added) for a whole IdleClose, or stops when it ended.
    private async Task CloseWhenIdleAsync(ReportChannel channel)
    {
        long seen = -1;
        while (true)
        {
            await Task.Delay(IdleClose).ConfigureAwait(false);
            long activity = channel.Activity;
            if (activity != seen || !channel.Idle)
            {
                seen = activity;
                continue;
            }

            lock (_queue)
            {
                if (_channel != channel || _sending)
                {
                    if (_channel != channel)
                    {
                        return; // ended (broken) meanwhile
                    }

                    continue;
                }

                _channel = null; // the next lease opens a new channel
            }

            try
            {
                await _worker.CloseAsync(channel.Id).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The worker is gone: its channel went with it.
            }

            return;
        }
    }

    // The channel left the worker's hands (closed, broken): later leases go to a new one.
    private void Forget(ReportChannel channel)
    {
        lock (_queue)
        {
            if (_channel == channel)
            {
                _channel = null;
            }
        }
    }

    /// <summary>One report channel: the leases granted on it that wait for their report, and the streaming call that reads them.</summary>
    private sealed class ReportChannel(WorkerOutbox outbox)
    {
        private readonly Dictionary<Guid, PendingLease> _waiting = [];
        private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _activity; // grants so far: an idle check holds only if none came since the one before
        private bool _ended;

        public Guid Id { get; } = Guid.NewGuid();

        /// <summary>Completes when the worker has the channel open (later grants may name it); fails when it broke first.</summary>
        public Task Opened => _opened.Task;

        /// <summary>Registers leases about to leave on this channel; false when it has ended.</summary>
        public bool Add(PendingLease[] leases)
        {
            lock (_waiting)
            {
                if (_ended)
                {
                    return false;
                }

                foreach (PendingLease pending in leases)
                {
                    _waiting[pending.Lease.LeaseId] = pending;
                }

                _activity++;
                return true;
            }
        }

        /// <summary>How many times leases were added (changes whenever a lease leaves on the channel).</summary>
        public long Activity
        {
            get
            {
                lock (_waiting)
                {
                    return _activity;
                }
            }
        }

        /// <summary>Whether no lease waits for a report (withdrawn ones whose grace ran out aside).</summary>
        public bool Idle
        {
            get
            {
                lock (_waiting)
                {
                    return _waiting.Values.All(p => p.Completion.Task.IsCompleted);
                }
            }
        }

        /// <summary>Opens the channel (<paramref name="open"/>: the streaming call) and takes its reports until it ends.</summary>
        public async Task RunAsync(Func<IAsyncEnumerable<TargetReport>> open)
        {
            Exception ended = new SiloUnavailableException("the worker closed its report channel without reporting this target");
            try
            {
                await foreach (TargetReport report in open().ConfigureAwait(false))
                {
                    Take(report);
                }
            }
            catch (Exception e)
            {
                ended = e;
            }
            finally
            {
                outbox.Forget(this);
                PendingLease[] left;
                lock (_waiting)
                {
                    _ended = true;
                    left = [.. _waiting.Values];
                    _waiting.Clear();
                }

                _opened.TrySetException(ended);
                Fail(left, ended);
            }
        }

        private void Take(TargetReport report)
        {
            if (report.Opened)
            {
                _opened.TrySetResult();
                return;
            }

            PendingLease? pending;
            lock (_waiting)
            {
                if (!_waiting.TryGetValue(report.LeaseId, out pending) || report.Epoch != pending.Lease.Epoch || pending.Completion.Task.IsCompleted)
                {
                    if (pending?.Completion.Task.IsCanceled != true)
                    {
                        outbox._metrics.StaleReportRejected(); // answers no lease of this channel that waits for it
                    }

                    return;
                }

                if (!report.Interim)
                {
                    _waiting.Remove(report.LeaseId);
                }
            }

            if (report.Interim)
            {
                pending.Output?.Invoke(report); // output while the target runs
                return;
            }

            pending.Completion.TrySetResult(report);
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
