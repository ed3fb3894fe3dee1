using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Places a <see cref="IWorkerGrain"/> on the silo its key names (<see cref="SiloAddress.ToParsableString"/>): the coordinator
/// chooses the worker, Orleans only carries the call there. A key naming a silo that is not alive fails the call with
/// <see cref="SiloUnavailableException"/>, which the coordinator treats as a lost worker.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
internal sealed class WorkerPlacementStrategy : PlacementStrategy;

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
