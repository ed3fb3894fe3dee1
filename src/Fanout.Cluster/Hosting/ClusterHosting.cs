using System.Net;
using System.Net.Sockets;
using Fanout.Cluster.Coordination;
using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Membership;
using Fanout.Cluster.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Fanout.Cluster.Hosting;

/// <summary>
/// Makes a host a silo of Fanout's cluster: Orleans membership in the PostgreSQL store (ADO.NET clustering, schema applied by
/// Fanout's migrations), failure detection tuned by <see cref="ClusterSettings.FailureDetection"/>, the worker grain's
/// placement, this silo's <c>cluster_members</c> row, and the <see cref="IRunDistributor"/> that leases targets to workers.
/// </summary>
internal static class ClusterHosting
{
    /// <summary>Adds the silo to <paramref name="builder"/>.</summary>
    public static IHostApplicationBuilder AddFanoutSilo(this IHostApplicationBuilder builder, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        int siloPort = settings.SiloPort == 0 ? FreePort(settings.AdvertisedAddress) : settings.SiloPort;
        builder.Services.AddFanoutClusterServices(settings);
        builder.UseOrleans(silo =>
        {
            silo.ConfigureEndpoints(settings.AdvertisedAddress, siloPort, gatewayPort: 0, listenOnAnyHostAddress: false);
            silo.ConfigureFanoutSilo(settings);
            silo.Services.AddSingleton<IFatalErrorHandler, WorkerFatalErrorHandler>();
        });
        return builder;
    }

    /// <summary>
    /// The services of a silo beside Orleans: settings, the <c>cluster_members</c> directory and this silo's row, the worker
    /// runtime and its watch on coordinators' deaths, and the <see cref="IRunDistributor"/>. Shared with the in-process test cluster.
    /// </summary>
    internal static IServiceCollection AddFanoutClusterServices(this IServiceCollection services, ClusterSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new ClusterDirectory(settings.Pooled(ClusterSettings.TableConnections), settings.ClusterId));
        services.AddSingleton<WorkerRuntime>();
        services.AddSingleton<ClusterMetrics>();
        services.AddSingleton<WorkerDirectory>();
        services.AddSingleton<IRunDistributor, ClusterRunDistributor>();
        services.AddHostedService<MemberReporter>();
        services.AddHostedService<CoordinatorWatch>();
        services.AddSingleton(_ => new CoordinatedRuns(settings.Pooled(ClusterSettings.TableConnections), settings.ClusterId));
        services.AddSingleton<IRunCoordination, ClusterRunCoordination>();
        if (settings.CoordinatesRuns)
        {
            // The host provides the store (IRunStore) and an IRunLauncher (fanout serve: its execution queue).
            services.AddSingleton<RunTakeover>();
        }

        return services;
    }

    /// <summary>
    /// Orleans' side of a silo (endpoints excepted): cluster id, ADO.NET membership in the store, failure detection, the call
    /// lifetime and the worker grain's placement. Shared with the in-process test cluster.
    /// </summary>
    internal static ISiloBuilder ConfigureFanoutSilo(this ISiloBuilder silo, ClusterSettings settings)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = "fanout";
        });
        silo.Configure<SiloOptions>(o => o.SiloName = settings.Name);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = settings.Pooled(ClusterSettings.OrleansConnections);
        });

        // A silo missing NumMissedProbesLimit probes of ProbeTimeout each is voted dead; the votes of two silos (or of
        // every other silo when fewer are alive) declare it dead and Orleans breaks the calls pending on it.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.NumMissedProbesLimit = 3;
            o.ProbeTimeout = settings.FailureDetection / 3;

            // Orleans adapts each probe's timeout to the response times it sees, down to half of ProbeTimeout by
            // default: after a quiet spell a CPU-starved but healthy silo then misses probes and is falsely declared dead
            // (seen at 4 s on a loaded 2-core machine). The floor is the configured timeout, never less.
            o.MinProbeTimeout = o.ProbeTimeout;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(Math.Max(5, settings.FailureDetection.TotalSeconds));
            o.TableRefreshTimeout = TimeSpan.FromSeconds(Math.Min(10, Math.Max(1, settings.FailureDetection.TotalSeconds / 5)));
            o.DeathVoteExpirationTimeout = settings.FailureDetection * 2;
        });

        // A target may run for hours: the call's lifetime is bounded by the run's timeout and cancellation, not by Orleans.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromDays(7));
        silo.Services.AddPlacementDirector<WorkerPlacementStrategy, WorkerPlacementDirector>();

        // A coordinator grain per coordinated run keeps a durable reminder in the store (migration 0016); when it fires it
        // takes the run over if the run's coordinator silo was declared dead (docs/scale-out.md "When the coordinator dies").
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = settings.Pooled(ClusterSettings.OrleansConnections);
        });
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        if (!settings.CoordinatesRuns)
        {
            // Workers open neither the store nor the inventory: the coordinator grain is only placed on silos that can resume a run.
            silo.Configure<GrainTypeOptions>(o => o.Classes.Remove(typeof(RunCoordinatorGrain)));
        }

        return silo;
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
