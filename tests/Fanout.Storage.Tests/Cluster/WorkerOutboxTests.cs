using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Workers;
using Orleans.Runtime;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// How the coordinator fences worker reports without a store round trip (docs/scale-out.md "Leases, epochs and fencing"): a
/// report is taken only for a lease of its channel that still waits for it, with that lease's epoch; anything else is dropped and
/// counted. The worker here is a scripted stand-in for the grain call (the real call is covered by ClusterTests).
/// </summary>
public sealed class WorkerOutboxTests
{
    [Fact(Timeout = 30000)]
    public async Task ReportsThatAnswerNoWaitingLease_AreDropped_AndCounted_TheRightOneCompletesTheLease()
    {
        var metrics = new ClusterMetrics();
        var worker = new ScriptedWorker();
        var outbox = new WorkerOutbox(worker, "run1", "{}", metrics, SiloAddress.FromParsableString("127.0.0.1:11111@1"));
        PendingLease a = outbox.Enqueue(new TargetLease { Target = "a", Attempt = 1, LeaseId = Guid.NewGuid() });
        LeaseBatch batch = await worker.Received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        TargetLease sent = Assert.Single(batch.Leases);
        Assert.Equal(a.Lease.Epoch, sent.Epoch);

        worker.Send(Report(sent.LeaseId, sent.Epoch - 1));       // an older grant of the same lease id: superseded
        worker.Send(Report(Guid.NewGuid(), sent.Epoch));         // a lease this batch never carried
        worker.Send(Report(sent.LeaseId, sent.Epoch) with { ExitCode = 7 });
        worker.Send(Report(sent.LeaseId, sent.Epoch) with { ExitCode = 9 }); // a second report of a lease already reported
        worker.End();

        TargetReport taken = await a.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, taken.ExitCode);
        await Poll.UntilAsync(() => Task.FromResult(metrics.StaleReportsRejected == 3), TimeSpan.FromSeconds(10));
    }

    [Fact(Timeout = 30000)]
    public async Task AReportOfAWithdrawnLease_AfterItsGrace_IsDroppedWithoutCountingIt_AndTheCallThatBreaksFailsTheOthers()
    {
        var metrics = new ClusterMetrics();
        var worker = new ScriptedWorker();
        var outbox = new WorkerOutbox(worker, "run1", "{}", metrics, SiloAddress.FromParsableString("127.0.0.1:11111@1")) { CancelGrace = TimeSpan.FromMilliseconds(200) };
        PendingLease a = outbox.Enqueue(new TargetLease { Target = "a", Attempt = 1, LeaseId = Guid.NewGuid() });
        PendingLease b = outbox.Enqueue(new TargetLease { Target = "b", Attempt = 1, LeaseId = Guid.NewGuid() });
        await Poll.UntilAsync(() => Task.FromResult(worker.Carried(a.Lease.LeaseId) && worker.Carried(b.Lease.LeaseId)), TimeSpan.FromSeconds(10));

        outbox.Cancel(a, CancellationToken.None); // timed out: the worker is told to stop it, and does not answer within the grace
        Assert.False(a.Completion.Task.IsCompleted); // the slot stays held while the worker may still report
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        worker.Send(Report(a.Lease.LeaseId, a.Lease.Epoch) with { State = "cancelled" }); // too late
        worker.Fail(new SiloUnavailableException("declared dead"));

        await Assert.ThrowsAsync<SiloUnavailableException>(() => b.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, metrics.StaleReportsRejected);
        Assert.Contains(a.Lease.LeaseId, worker.Cancelled);
    }

    [Fact(Timeout = 30000)]
    public async Task AWithdrawnLease_TakesTheWorkersFinalReport_WithinTheGrace()
    {
        var metrics = new ClusterMetrics();
        var worker = new ScriptedWorker();
        var outbox = new WorkerOutbox(worker, "run1", "{}", metrics, SiloAddress.FromParsableString("127.0.0.1:11111@1")) { CancelGrace = TimeSpan.FromSeconds(20) };
        PendingLease a = outbox.Enqueue(new TargetLease { Target = "a", Attempt = 1, LeaseId = Guid.NewGuid() });
        await Poll.UntilAsync(() => Task.FromResult(worker.Carried(a.Lease.LeaseId)), TimeSpan.FromSeconds(10));

        outbox.Cancel(a, CancellationToken.None);
        await Poll.UntilAsync(() => Task.FromResult(worker.WasCancelled(a.Lease.LeaseId)), TimeSpan.FromSeconds(10));
        Assert.False(a.Completion.Task.IsCompleted);
        worker.Send(Report(a.Lease.LeaseId, a.Lease.Epoch) with { State = "failed", ExitCode = 143, Stdout = "up to the kill\n"u8.ToArray(), StdoutBytes = 15 });

        TargetReport taken = await a.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("up to the kill\n", System.Text.Encoding.UTF8.GetString(taken.Stdout));
        Assert.Equal(0, metrics.StaleReportsRejected);
    }

    [Fact(Timeout = 30000)]
    public async Task LeasesAfterTheFirst_AreGrantedOnTheOpenChannel_AndReportOnIt()
    {
        var worker = new ScriptedWorker();
        var outbox = new WorkerOutbox(worker, "run1", "{}", new ClusterMetrics(), SiloAddress.FromParsableString("127.0.0.1:11111@1"));
        PendingLease a = outbox.Enqueue(new TargetLease { Target = "a", Attempt = 1, LeaseId = Guid.NewGuid() });
        await worker.Received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        PendingLease b = outbox.Enqueue(new TargetLease { Target = "b", Attempt = 1, LeaseId = Guid.NewGuid() });
        PendingLease c = outbox.Enqueue(new TargetLease { Target = "c", Attempt = 1, LeaseId = Guid.NewGuid() });
        await Poll.UntilAsync(() => Task.FromResult(worker.Carried(b.Lease.LeaseId) && worker.Carried(c.Lease.LeaseId)), TimeSpan.FromSeconds(10));

        Assert.Equal(1, worker.Opens); // one streaming call for the run on this worker, the later leases granted on it
        Assert.InRange(worker.Grants, 1, 2);
        worker.Send(Report(c.Lease.LeaseId, c.Lease.Epoch) with { ExitCode = 3 });
        worker.Send(Report(a.Lease.LeaseId, a.Lease.Epoch) with { ExitCode = 1 });
        worker.Send(Report(b.Lease.LeaseId, b.Lease.Epoch) with { ExitCode = 2 });

        Assert.Equal([1, 2, 3], (await Task.WhenAll(a.Completion.Task, b.Completion.Task, c.Completion.Task).WaitAsync(TimeSpan.FromSeconds(10))).Select(r => r.ExitCode ?? -1));
    }

    [Fact(Timeout = 30000)]
    public async Task AnIdleChannel_IsClosed_AndTheNextLeaseOpensANewOne_ABrokenChannelFailsWhatWaitsOnIt()
    {
        var worker = new ScriptedWorker();
        var outbox = new WorkerOutbox(worker, "run1", "{}", new ClusterMetrics(), SiloAddress.FromParsableString("127.0.0.1:11111@1")) { IdleClose = TimeSpan.FromMilliseconds(200) };
        PendingLease a = outbox.Enqueue(new TargetLease { Target = "a", Attempt = 1, LeaseId = Guid.NewGuid() });
        await Poll.UntilAsync(() => Task.FromResult(worker.Carried(a.Lease.LeaseId)), TimeSpan.FromSeconds(10));
        worker.Send(Report(a.Lease.LeaseId, a.Lease.Epoch));
        await a.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await Poll.UntilAsync(() => Task.FromResult(worker.Closed == 1), TimeSpan.FromSeconds(10));
        PendingLease b = outbox.Enqueue(new TargetLease { Target = "b", Attempt = 1, LeaseId = Guid.NewGuid() });
        await Poll.UntilAsync(() => Task.FromResult(worker.Carried(b.Lease.LeaseId)), TimeSpan.FromSeconds(10));
        Assert.Equal(2, worker.Opens);

        // While b waits, its channel stays open however long it takes; when the channel breaks, b fails with the call's error.
        await Task.Delay(600);
        Assert.Equal(1, worker.Closed);
        worker.Fail(new SiloUnavailableException("declared dead"));
        await Assert.ThrowsAsync<SiloUnavailableException>(() => b.Completion.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static TargetReport Report(Guid lease, long epoch) => new() { LeaseId = lease, Epoch = epoch, Worker = "w1", State = "succeeded", ExitCode = 0 };

    /// <summary>
    /// A worker whose report channels are driven by the test: a report goes to the channel its lease was granted on (the open
    /// one for a lease it never carried); closing or failing ends the open channels.
    /// </summary>
    private sealed class ScriptedWorker : IWorkerGrain
    {
        private readonly List<(Guid Id, List<Guid> Leases, System.Threading.Channels.Channel<TargetReport> Reports)> _channels = [];
        private int _grants;
        private int _closed;

        public TaskCompletionSource<LeaseBatch> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<Guid> Cancelled { get; } = [];

        public int Opens
        {
            get
            {
                lock (_channels)
                {
                    return _channels.Count;
                }
            }
        }

        public int Grants => Volatile.Read(ref _grants);

        public int Closed => Volatile.Read(ref _closed);

        public bool WasCancelled(Guid lease)
        {
            lock (Cancelled)
            {
                return Cancelled.Contains(lease);
            }
        }

        public bool Carried(Guid lease)
        {
            lock (_channels)
            {
                return _channels.Any(c => c.Leases.Contains(lease));
            }
        }

        public void Send(TargetReport report)
        {
            lock (_channels)
            {
                var channel = _channels.LastOrDefault(c => c.Leases.Contains(report.LeaseId));
                (channel.Reports ?? _channels[^1].Reports).Writer.TryWrite(report);
            }
        }

        public void End() => Complete(null);

        public void Fail(Exception e) => Complete(e);

        private void Complete(Exception? e)
        {
            lock (_channels)
            {
                foreach (var channel in _channels)
                {
                    channel.Reports.Writer.TryComplete(e);
                }
            }
        }

        public async IAsyncEnumerable<TargetReport> OpenAsync(LeaseBatch opening)
        {
            var reports = System.Threading.Channels.Channel.CreateUnbounded<TargetReport>();
            lock (_channels)
            {
                _channels.Add((opening.Channel, [.. opening.Leases.Select(l => l.LeaseId)], reports));
            }

            Received.TrySetResult(opening);
            yield return new TargetReport { LeaseId = Guid.Empty, Worker = "w1", State = "open", Opened = true };
            await foreach (TargetReport report in reports.Reader.ReadAllAsync())
            {
                yield return report;
            }
        }

        public Task GrantAsync(Guid channel, TargetLease[] leases)
        {
            Interlocked.Increment(ref _grants);
            lock (_channels)
            {
                _channels.Single(c => c.Id == channel).Leases.AddRange(leases.Select(l => l.LeaseId));
            }

            return Task.CompletedTask;
        }

        public Task CloseAsync(Guid channel)
        {
            Interlocked.Increment(ref _closed);
            lock (_channels)
            {
                _channels.Single(c => c.Id == channel).Reports.Writer.TryComplete();
            }

            return Task.CompletedTask;
        }

        public Task CancelAsync(Guid[] leaseIds)
        {
            lock (Cancelled)
            {
                Cancelled.AddRange(leaseIds);
            }

            return Task.CompletedTask;
        }
    }
}
