using Fanout.Cluster.Hosting;
using Fanout.Cluster.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Membership;

/// <summary>Writes this silo's <c>cluster_members</c> row when it has joined, then its load every two seconds until it stops.</summary>
internal sealed partial class MemberReporter(
    ClusterSettings settings,
    ClusterDirectory directory,
    ILocalSiloDetails silo,
    WorkerRuntime runtime,
    TimeProvider time,
    ILogger<MemberReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset started = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await directory.UpsertAsync(
                    new ClusterSilo(silo.SiloAddress.ToParsableString(), settings.Name, settings.Role, "active", settings.MaxTargets, runtime.Running, runtime.Completed, Environment.ProcessId, started, time.GetUtcNow()) { Labels = settings.Labels },
                    stoppingToken).ConfigureAwait(false);
                await directory.RemoveOrphansAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                LogReportFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not write this silo's cluster_members row: {Reason}")]
    private static partial void LogReportFailed(ILogger logger, string reason);
}
