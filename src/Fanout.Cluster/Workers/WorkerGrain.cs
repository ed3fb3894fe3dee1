using Orleans.Concurrency;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// One per worker silo, keyed by its address. Reentrant: it only hands each lease to the silo's <see cref="WorkerRuntime"/>
/// (off the grain's scheduler), which runs up to <c>--max-targets</c> of them at once.
/// </summary>
[WorkerPlacement]
[Reentrant]
internal sealed class WorkerGrain(WorkerRuntime runtime, ILocalSiloDetails silo) : Grain, IWorkerGrain
{
    public Task<TargetReport> RunAsync(TargetLease lease, CancellationToken cancellationToken)
    {
        if (this.GetPrimaryKeyString() != silo.SiloAddress.ToParsableString())
        {
            throw new SiloUnavailableException($"worker {this.GetPrimaryKeyString()} is not this silo ({silo.SiloAddress})");
        }

        return Task.Run(() => runtime.RunAsync(lease, cancellationToken), cancellationToken);
    }
}
