namespace Fanout.Cluster.Dispatch;

/// <summary>
/// Counters of the cluster path: leases whose worker was lost (their targets ran again elsewhere), and reports the coordinator
/// dropped because they answered no lease waiting for them (<see cref="WorkerOutbox"/>).
/// </summary>
internal sealed class ClusterMetrics
{
    private long _lost;
    private long _stale;

    /// <summary>Leases lost with their worker since this process started.</summary>
    public long LostLeases => Interlocked.Read(ref _lost);

    /// <summary>Reports of a lease that was withdrawn, superseded or already reported, rejected since this process started.</summary>
    public long StaleReportsRejected => Interlocked.Read(ref _stale);

    internal void LeaseLost() => Interlocked.Increment(ref _lost);

    internal void StaleReportRejected() => Interlocked.Increment(ref _stale);
}
