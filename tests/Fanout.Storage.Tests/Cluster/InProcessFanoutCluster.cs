using Fanout.Cluster.Hosting;
using Fanout.Cluster.Membership;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Orleans' in-process test cluster (<c>Microsoft.Orleans.TestingHost</c>) of three silos of role <c>all</c>, each configured
/// exactly as <c>fanout worker</c> and <c>fanout serve --role all</c> configure themselves (<see cref="ClusterHosting"/>):
/// membership and reminders in a real PostgreSQL store, failure detection 6 s, <c>--max-targets</c> as given.
/// </summary>
internal sealed class InProcessFanoutCluster : IAsyncDisposable
{
    private InProcessFanoutCluster(InProcessTestCluster cluster, string connectionString, string clusterId)
    {
        Cluster = cluster;
        ConnectionString = connectionString;
        ClusterId = clusterId;
    }

    public InProcessTestCluster Cluster { get; }

    public string ConnectionString { get; }

    public string ClusterId { get; }

    public IReadOnlyList<InProcessSiloHandle> Silos => Cluster.Silos;

    /// <summary>
    /// Deploys the three silos on the store at <paramref name="connectionString"/> (its migrations applied) under a fresh cluster
    /// id, adds <paramref name="services"/> to each silo's host, and waits until all three have written their member rows.
    /// </summary>
    public static async Task<InProcessFanoutCluster> StartAsync(string connectionString, int maxTargets, Action<IServiceCollection>? services = null)
    {
        string clusterId = "inproc" + Guid.NewGuid().ToString("N")[..8];
        ClusterSettings Settings(string name) => new()
        {
            ConnectionString = connectionString,
            ClusterId = clusterId,
            Role = ClusterRoles.All,
            Name = name,
            MaxTargets = maxTargets,
            FailureDetection = TimeSpan.FromSeconds(6),
        };

        var builder = new InProcessTestClusterBuilder(3);
        builder.Options.ClusterId = clusterId;
        builder.Options.ServiceId = "fanout";
        // Membership in the PostgreSQL store (ConfigureFanoutSilo), not the test cluster's in-memory table; the option has no
        // public setter in Orleans.TestingHost 10.4.2.
        typeof(InProcessTestClusterOptions).GetProperty("UseTestClusterMembership", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
            .SetValue(builder.Options, false);
        builder.Options.InitializeClientOnDeploy = false;
        builder.ConfigureSiloHost((silo, host) =>
        {
            host.Services.AddFanoutClusterServices(Settings(silo.SiloName));
            services?.Invoke(host.Services);
        });
        builder.ConfigureSilo((silo, orleans) => orleans.ConfigureFanoutSilo(Settings(silo.SiloName)));
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        var started = new InProcessFanoutCluster(cluster, connectionString, clusterId);
        try
        {
            await using var directory = new ClusterDirectory(connectionString, clusterId);
            await Poll.UntilAsync(async () => (await directory.ListAsync(CancellationToken.None)).Count(m => m.Status == "active" && m.Role == "all") == 3, TimeSpan.FromSeconds(120));
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills <paramref name="silo"/> ungracefully (as <c>kill -9</c>): the others declare it dead.</summary>
    public Task KillSiloAsync(InProcessSiloHandle silo) => Cluster.KillSiloAsync(silo);

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        NpgsqlConnection.ClearAllPools(); // Orleans' ADO.NET providers pool by connection string in this (test) process
    }
}
