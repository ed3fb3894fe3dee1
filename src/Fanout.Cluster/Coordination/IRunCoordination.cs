using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Membership;
using Fanout.Runs;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Coordination;

/// <summary>
/// Where a run's coordination is known (docs/scale-out.md "When the coordinator dies"): nowhere in a single process; in a cluster,
/// the run's <c>cluster_runs</c> row and its coordinator grain's reminder, so another silo takes the run over if this one dies.
/// </summary>
internal interface IRunCoordination
{
    /// <summary>
    /// Called as this process accepts <paramref name="request"/> into its execution queue (recorded <c>queued</c> under this process):
    /// from then on, queued or running, another coordinating silo takes the run over if this one dies. Dispose the result when the run
    /// has ended; <see langword="null"/> when the run is not coordinated in a cluster (a single process, or a run kept in this server).
    /// </summary>
    Task<ICoordinatedRun?> BeginAsync(RunRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The same for the workflow run <paramref name="runId"/> this process runs (its fan-out steps' targets on workers): if this silo
    /// dies, another coordinating silo resumes it through its workflow engine.
    /// </summary>
    Task<ICoordinatedRun?> BeginWorkflowAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Another live silo that coordinates runs (<c>fanout serve --role api|all</c>) and so takes over the runs this one hands over as it
    /// stops, described for the log; <see langword="null"/> when there is none (or it cannot be known now).
    /// </summary>
    Task<string?> FindSuccessorAsync(CancellationToken cancellationToken);
}

/// <summary>A run coordinated in the cluster: disposing it forgets the run's coordination (it ended).</summary>
internal interface ICoordinatedRun : IAsyncDisposable
{
    /// <summary>
    /// The run was handed over (stored <c>interrupted</c> as this server stops): disposing then leaves its <c>cluster_runs</c> row and
    /// its coordinator grain's reminder, so that another coordinating silo takes it over once this one has left the cluster.
    /// </summary>
    void HandOver();
}

/// <summary>A single process: a run whose server dies is <c>interrupted</c> until resumed.</summary>
internal sealed class LocalRunCoordination : IRunCoordination
{
    public Task<ICoordinatedRun?> BeginAsync(RunRequest request, CancellationToken cancellationToken) => Task.FromResult<ICoordinatedRun?>(null);

    public Task<ICoordinatedRun?> BeginWorkflowAsync(string runId, CancellationToken cancellationToken) => Task.FromResult<ICoordinatedRun?>(null);

    public Task<string?> FindSuccessorAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>
/// A coordinating silo: the runs whose targets go to workers (<see cref="ClusterRunDistributor.CanDistribute"/>) are recorded as
/// coordinated by this silo, and their coordinator grain keeps a reminder until they end.
/// </summary>
internal sealed partial class ClusterRunCoordination(IGrainFactory grains, CoordinatedRuns coordinated, ClusterDirectory directory, ILocalSiloDetails silo,
    ClusterSettings settings, ILogger<ClusterRunCoordination> logger) : IRunCoordination
{
    public async Task<ICoordinatedRun?> BeginAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RunId is not { } runId || !ClusterRunDistributor.CanDistribute(request.Definition, request.Options.Atomic))
        {
            return null;
        }

        return await CoordinateAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ICoordinatedRun?> BeginWorkflowAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return await CoordinateAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ICoordinatedRun> CoordinateAsync(string runId, CancellationToken cancellationToken)
    {
        string self = silo.SiloAddress.ToParsableString();
        try
        {
            await coordinated.SetAsync(runId, new RunCoordinator(self, Environment.MachineName, Environment.ProcessId), cancellationToken).ConfigureAwait(false);
            // May be called from the run's own coordinator grain as it takes the run over (WatchAsync interleaves with its check).
            await grains.GetGrain<IRunCoordinatorGrain>(runId).WatchAsync(settings.CoordinatorCheck).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OrleansException)
        {
            // The run still runs here; it only would not move by itself if this silo died.
            LogNotWatched(logger, runId, e.Message);
        }

        return new Coordinated(grains, coordinated, logger, runId, self);
    }

    public async Task<string?> FindSuccessorAsync(CancellationToken cancellationToken)
    {
        string self = silo.SiloAddress.ToParsableString();
        try
        {
            IReadOnlyList<ClusterSilo> silos = await directory.ListAsync(cancellationToken).ConfigureAwait(false);
            return silos.FirstOrDefault(s => s.Silo != self && s.Status == "active" && s.Role is ClusterRoles.Api or ClusterRoles.All) is { } other
                ? $"{other.Name} ({other.Silo}, pid {other.Pid})"
                : null;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            LogNoDirectory(logger, e.Message);
            return null;
        }
    }

    private sealed class Coordinated(IGrainFactory grains, CoordinatedRuns coordinated, ILogger logger, string runId, string silo) : ICoordinatedRun
    {
        private volatile bool _handedOver;

        public void HandOver() => _handedOver = true;

        public async ValueTask DisposeAsync()
        {
            if (_handedOver)
            {
                return;
            }

            try
            {
                await coordinated.RemoveAsync(runId, silo, CancellationToken.None).ConfigureAwait(false);
                await grains.GetGrain<IRunCoordinatorGrain>(runId).ReleaseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OrleansException)
            {
                // The grain's next firing finds the run ended and removes its reminder.
                LogNotReleased(logger, runId, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId} is not watched by its coordinator grain ({Reason}): if this server dies it stays interrupted until resumed")]
    private static partial void LogNotWatched(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: its coordinator grain was not released now ({Reason}); its next check does it")]
    private static partial void LogNotReleased(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the cluster's silos could not be read ({Reason}): no other coordinating server is known to take this one's runs")]
    private static partial void LogNoDirectory(ILogger logger, string reason);
}
