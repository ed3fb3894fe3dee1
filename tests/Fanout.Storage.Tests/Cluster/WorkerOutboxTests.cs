using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Workers;
using Orleans.Runtime;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// How the coordinator fences worker reports without a store round trip (docs/scale-out.md "Leases, epochs and fencing"): a
/// report is taken only for a lease of its batch that still waits for it, with that lease's epoch; anything else is dropped and
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

    private static TargetReport Report(Guid lease, long epoch) => new() { LeaseId = lease, Epoch = epoch, Worker = "w1", State = "succeeded", ExitCode = 0 };

    /// <summary>Each call gets its own report stream; a report goes to the call that carried its lease (else the first).</summary>
    private sealed class ScriptedWorker : IWorkerGrain
    {
        private readonly List<(LeaseBatch Batch, System.Threading.Channels.Channel<TargetReport> Reports)> _calls = [];

        public TaskCompletionSource<LeaseBatch> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<Guid> Cancelled { get; } = [];

        public bool WasCancelled(Guid lease)
        {
            lock (Cancelled)
            {
                return Cancelled.Contains(lease);
            }
        }

        public bool Carried(Guid lease)
        {
            lock (_calls)
            {
                return _calls.Any(c => c.Batch.Leases.Any(l => l.LeaseId == lease));
            }
        }

        public void Send(TargetReport report)
        {
            lock (_calls)
            {
                var call = _calls.FirstOrDefault(c => c.Batch.Leases.Any(l => l.LeaseId == report.LeaseId));
                (call.Reports ?? _calls[0].Reports).Writer.TryWrite(report);
            }
        }

        public void End() => Complete(null);

        public void Fail(Exception e) => Complete(e);

        private void Complete(Exception? e)
        {
            lock (_calls)
            {
                foreach (var call in _calls)
                {
                    call.Reports.Writer.TryComplete(e);
                }
            }
        }

        public async IAsyncEnumerable<TargetReport> RunBatchAsync(LeaseBatch batch)
        {
            var reports = System.Threading.Channels.Channel.CreateUnbounded<TargetReport>();
            lock (_calls)
            {
                _calls.Add((batch, reports));
            }

            Received.TrySetResult(batch);
            await foreach (TargetReport report in reports.Reader.ReadAllAsync())
            {
                yield return report;
            }
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
