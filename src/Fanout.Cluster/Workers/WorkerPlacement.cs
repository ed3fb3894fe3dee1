using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Places a <see cref="IWorkerGrain"/> on the silo its key names (<see cref="SiloAddress.ToParsableString"/>): the coordinator
/// chooses the worker, Orleans only carries the call there. A key naming a silo that is not alive fails the call with
/// <see cref="SiloUnavailableException"/>, which the coordinator treats as a lost worker.
/// </summary>
/// <remarks>
/// The worker grain is kept out of Orleans' grain directory (as stateless workers are): its place is its key, so there is
/// nothing to look up, and a directory registration is harmful here. With one, when the silo that owned the registration's
/// directory partition died, Orleans deactivated the surviving worker's grain ("directory failure"); a deactivating grain
/// waits for its running calls — targets that may run for minutes — and queues new ones, so the targets re-issued from the
/// dead worker waited until the survivor's running targets ended (the ~60 s recovery of bench/cluster.sh, issue 15).
/// </remarks>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class WorkerPlacementStrategy : PlacementStrategy
{
    /// <summary>Not registered in the grain directory: see the remarks of the class.</summary>
    public override bool IsUsingGrainDirectory => false;
}

/// <summary>Marks a grain class as placed by <see cref="WorkerPlacementDirector"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class WorkerPlacementAttribute() : PlacementAttribute(new WorkerPlacementStrategy());

/// <summary>The director of <see cref="WorkerPlacementStrategy"/>.</summary>
internal sealed class WorkerPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress wanted = SiloAddress.FromParsableString(key);
        if (!context.GetCompatibleSilos(target).Contains(wanted))
        {
            throw new SiloUnavailableException($"worker {key} is not an active member of the cluster");
        }

        return Task.FromResult(wanted);
    }
}
