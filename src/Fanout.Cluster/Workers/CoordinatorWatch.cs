using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Follows Orleans' membership on every silo and hands <see cref="WorkerRuntime"/> the silos declared dead: the targets a dead
/// coordinator leased to this silo are stopped and their reports dropped, since another coordinator takes the run over and
/// runs them again (docs/scale-out.md, "When the coordinator dies").
/// </summary>
internal sealed partial class CoordinatorWatch(IClusterMembershipService membership, WorkerRuntime runtime, ILogger<CoordinatorWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The first snapshot is the current one, then one per membership change.
                await foreach (ClusterMembershipSnapshot snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken).ConfigureAwait(false))
                {
                    var dead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
                    int stopped = runtime.CoordinatorsDead(dead);
                    if (stopped > 0)
                    {
                        LogStopped(logger, stopped, string.Join(", ", dead.Select(d => d.ToParsableString())));
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the silo stops
            }
            catch (Exception e)
            {
                // Never leave the silo without the watch (nor stop the host for it): follow the updates again.
                LogWatchFailed(logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopped {Stopped} targets leased by a coordinator the cluster declared dead (dead silos: {Dead}); their reports are dropped")]
    private static partial void LogStopped(ILogger logger, int stopped, string dead);

    [LoggerMessage(Level = LogLevel.Error, Message = "following the cluster's membership failed; following it again")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
