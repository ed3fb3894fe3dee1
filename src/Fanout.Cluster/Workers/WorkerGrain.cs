using Orleans.Concurrency;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// One per worker silo, keyed by its address. Reentrant: it only hands each report channel and grant of leases to the
/// silo's <see cref="WorkerRuntime"/> (which runs them off the grain's scheduler), which runs up to <c>--max-targets</c> targets at once.
/// </summary>
[WorkerPlacement]
[Reentrant]
internal sealed class WorkerGrain(WorkerRuntime runtime, ILocalSiloDetails silo) : Grain, IWorkerGrain
{
    public IAsyncEnumerable<TargetReport> OpenAsync(LeaseBatch opening)
    {
        if (this.GetPrimaryKeyString() != silo.SiloAddress.ToParsableString())
        {
            throw new SiloUnavailableException($"worker {this.GetPrimaryKeyString()} is not this silo ({silo.SiloAddress})");
        }

        return runtime.OpenAsync(opening);
    }

    public Task GrantAsync(Guid channel, TargetLease[] leases)
    {
        runtime.Grant(channel, leases);
        return Task.CompletedTask;
    }

    public Task CloseAsync(Guid channel)
    {
        runtime.Close(channel);
        return Task.CompletedTask;
    }

    public Task CancelAsync(Guid[] leaseIds)
    {
        runtime.Cancel(leaseIds);
        return Task.CompletedTask;
    }
}
