using Fanout.Runs;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Coordination;

/// <summary>
/// What a run's coordinator grain does each time its reminder fires: read which silo coordinates the run (<c>cluster_runs</c>)
/// and, when Orleans' membership has declared that silo dead while the store still says the run is queued, running or interrupted
/// under it (interrupted: it died, or it handed the run over as it stopped), take the run over here — store it <c>interrupted</c> (guarded by the owner columns that silo wrote, so it happens once) and resume it
/// through this silo's <see cref="IRunLauncher"/>, the same resume <c>fanout resume</c> and the API use ("what was running
/// runs again"). Only a silo Orleans declared dead is replaced: a slow or unknown one is left alone.
/// </summary>
internal sealed partial class RunTakeover(CoordinatedRuns coordinated, IRunStore store, IRunLauncher launcher, IClusterMembershipService membership,
    ILocalSiloDetails silo, ILogger<RunTakeover> logger)
{
    /// <summary>Checks the run once; takes it over when its coordinator's silo is dead.</summary>
    /// <returns>False when the run needs no watching any more (it ended, or no silo of this cluster coordinates it).</returns>
    public async Task<bool> CheckAsync(string runId, CancellationToken cancellationToken)
    {
        if (await coordinated.GetAsync(runId, cancellationToken).ConfigureAwait(false) is not { } coordinator)
        {
            return false;
        }

        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            await coordinated.RemoveAsync(runId, coordinator.Silo, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (run.Status.IsFinal() && run.Status != RunStatus.Interrupted)
        {
            await coordinated.RemoveAsync(runId, coordinator.Silo, cancellationToken).ConfigureAwait(false);
            return false;
        }

        // Another owner (a CLI resume, a server of another cluster) runs it now: keep watching until it ends.
        bool ownedAsRecorded = string.Equals(run.OwnerHost, coordinator.OwnerHost, StringComparison.OrdinalIgnoreCase) && run.OwnerPid == coordinator.OwnerPid;
        if (!ownedAsRecorded || coordinator.Silo == silo.SiloAddress.ToParsableString())
        {
            return true;
        }

        SiloStatus status = membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(coordinator.Silo));
        if (status != SiloStatus.Dead)
        {
            return true;
        }

        string reason = $"its coordinator {coordinator.Silo} (pid {coordinator.OwnerPid} on {coordinator.OwnerHost}) was declared dead by the cluster";
        if (run.Status != RunStatus.Interrupted)
        {
            await store.InterruptRunAsync(runId, coordinator.OwnerHost, coordinator.OwnerPid, $"interrupted: {reason}", cancellationToken).ConfigureAwait(false);
        }

        LogTakingOver(logger, runId, reason, silo.SiloAddress.ToParsableString());
        switch (await launcher.ResumeAsync(runId, $"taken over: {reason}", cancellationToken).ConfigureAwait(false))
        {
            case TakeoverStart.NotNow:
                LogNotStarted(logger, runId);
                return true;
            case TakeoverStart.Never:
                // Left interrupted for an operator (the launcher audited why): nothing more to watch.
                await coordinated.RemoveAsync(runId, coordinator.Silo, cancellationToken).ConfigureAwait(false);
                return false;
            default:
                return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId}: {Reason}; resuming it on this silo ({Silo})")]
    private static partial void LogTakingOver(ILogger logger, string runId, string reason, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId} could not be resumed on this silo now; its coordinator grain tries again")]
    private static partial void LogNotStarted(ILogger logger, string runId);
}
