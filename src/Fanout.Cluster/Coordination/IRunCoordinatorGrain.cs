using Orleans.Concurrency;

namespace Fanout.Cluster.Coordination;

/// <summary>
/// The coordinator grain of one run, keyed by its run id (one activation in the cluster). While the run is coordinated it keeps a
/// durable reminder; each firing, on whichever live coordinating silo Orleans activates the grain, checks the run's coordinator
/// silo and takes the run over when Orleans has declared that silo dead (<see cref="RunTakeover"/>).
/// </summary>
[Alias("fanout.run-coordinator")]
internal interface IRunCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or keeps) the run's reminder, firing every <paramref name="interval"/>. Interleaves with a check: a silo taking the run
    /// over calls it from the check itself, as the run enters that silo's execution queue (registering a reminder is idempotent).
    /// </summary>
    [Alias("watch")]
    [AlwaysInterleave]
    Task WatchAsync(TimeSpan interval);

    /// <summary>Removes the run's reminder: it ended, nothing to take over.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}
