using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
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
    /// <summary>Called as this process starts coordinating <paramref name="request"/>; dispose the result when the run has ended.</summary>
    Task<IAsyncDisposable?> BeginAsync(RunRequest request, CancellationToken cancellationToken);
}

/// <summary>A single process: a run whose server dies is <c>interrupted</c> until resumed.</summary>
internal sealed class LocalRunCoordination : IRunCoordination
{
    public Task<IAsyncDisposable?> BeginAsync(RunRequest request, CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(null);
}

/// <summary>
/// A coordinating silo: the runs whose targets go to workers (<see cref="ClusterRunDistributor.CanDistribute"/>) are recorded as
/// coordinated by this silo, and their coordinator grain keeps a reminder until they end.
/// </summary>
internal sealed partial class ClusterRunCoordination(IGrainFactory grains, CoordinatedRuns coordinated, ILocalSiloDetails silo, ClusterSettings settings,
    ILogger<ClusterRunCoordination> logger) : IRunCoordination
{
    public async Task<IAsyncDisposable?> BeginAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RunId is not { } runId || !ClusterRunDistributor.CanDistribute(request.Definition, request.Options.Atomic))
        {
            return null;
        }

        string self = silo.SiloAddress.ToParsableString();
        try
        {
            await coordinated.SetAsync(runId, new RunCoordinator(self, Environment.MachineName, Environment.ProcessId), cancellationToken).ConfigureAwait(false);
            await grains.GetGrain<IRunCoordinatorGrain>(runId).WatchAsync(settings.CoordinatorCheck).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or OrleansException)
        {
            // The run still runs here; it only would not move by itself if this silo died.
            LogNotWatched(logger, runId, e.Message);
        }

        return new Coordinated(grains, coordinated, logger, runId, self);
    }

    private sealed class Coordinated(IGrainFactory grains, CoordinatedRuns coordinated, ILogger logger, string runId, string silo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
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
}
