namespace Fanout.Cluster.Dispatch;

/// <summary>Counters of the cluster path: leases whose worker was lost (their targets ran again elsewhere).</summary>
internal sealed class ClusterMetrics
{
    private long _lost;

    /// <summary>Leases lost with their worker since this process started.</summary>
    public long LostLeases => Interlocked.Read(ref _lost);

    internal void LeaseLost() => Interlocked.Increment(ref _lost);
}
