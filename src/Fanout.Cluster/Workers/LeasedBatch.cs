using System.Threading.Channels;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>A batch while it is on this silo, with the coordinator that leased it (see <see cref="WorkerRuntime.CoordinatorsDead"/>).</summary>
internal sealed class LeasedBatch(SiloAddress coordinator, ChannelWriter<TargetReport> reports, int leases) : IDisposable
{
    private readonly CancellationTokenSource _orphaned = new();
    private bool _disposed;

    public SiloAddress Coordinator => coordinator;

    /// <summary>Cancelled when the coordinator is declared dead.</summary>
    public CancellationToken Orphaned => _orphaned.Token;

    /// <summary>Drops the batch's reports from now on and stops its targets; how many leases it had (0 if already done).</summary>
    public int Orphan()
    {
        lock (_orphaned)
        {
            if (_disposed || _orphaned.IsCancellationRequested)
            {
                return 0;
            }

            reports.TryComplete(); // first, so the reports of the targets being stopped are dropped
            _orphaned.Cancel();
            return leases;
        }
    }

    public void Dispose()
    {
        lock (_orphaned)
        {
            _disposed = true;
            _orphaned.Dispose();
        }
    }
}
