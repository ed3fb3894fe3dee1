namespace Fanout.Cluster.Dispatch;

/// <summary>
/// Counters of the cluster path: leases whose worker was lost (their targets ran again elsewhere), and reports of superseded
/// leases the store's epoch check rejected (<see cref="LeaseFence"/>).
/// </summary>
internal sealed class ClusterMetrics
{
    private long _lost;
    private long _stale;

    /// <summary>Leases lost with their worker since this process started.</summary>
    public long LostLeases => Interlocked.Read(ref _lost);

    /// <summary>Reports of a lease whose epoch was no longer the target's (or already reported), rejected since this process started.</summary>
    public long StaleReportsRejected => Interlocked.Read(ref _stale);

    internal void LeaseLost() => Interlocked.Increment(ref _lost);

    internal void StaleReportRejected() => Interlocked.Increment(ref _stale);
}
