using System.Net;

namespace Fanout.Cluster.Hosting;

/// <summary>What a silo (a <c>fanout worker</c> or a clustered <c>fanout serve</c>) is: where the cluster lives, what this silo does, how to reach it.</summary>
internal sealed record ClusterSettings
{
    /// <summary>The Npgsql connection string of the PostgreSQL store that holds the membership table.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// <see cref="ConnectionString"/> with at most <paramref name="connections"/> pooled connections, unless the store URL sets
    /// a pool size itself: every silo's pools together stay well under PostgreSQL's default of 100 connections
    /// (docs/scale-out.md "What an operator provides").
    /// </summary>
    public string Pooled(int connections) => Storage.StoreLocation.WithPoolLimit(ConnectionString, connections);

    /// <summary>Connections of Orleans' membership and reminder tables in one silo.</summary>
    internal const int OrleansConnections = 6;

    /// <summary>Connections of each of Fanout's own cluster tables' pools (<c>cluster_members</c>, <c>cluster_runs</c>) in one silo.</summary>
    internal const int TableConnections = 3;

    /// <summary>The cluster id: silos with the same store and id form one cluster. The default value is <c>fanout</c>.</summary>
    public string ClusterId { get; init; } = "fanout";

    /// <summary>
    /// What the silo does: <c>worker</c> (runs targets), <c>api</c> (serves the API and coordinates runs, runs no target), <c>all</c>,
    /// or <c>cli</c> (a <c>fanout exec … --on-workers</c> process: coordinates its own run only, for as long as it runs).
    /// </summary>
    public string Role { get; init; } = ClusterRoles.Worker;

    /// <summary>Most targets this silo runs at once. The default value is 32.</summary>
    public int MaxTargets { get; init; } = 32;

    /// <summary>This worker's labels (<c>--labels zone=dmz</c>): a run asking for labels runs only on workers that have them all. The default value is none.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Fanout.Runs.WorkerLabels.None;

    /// <summary>The address other silos reach this one at. The default value is 127.0.0.1.</summary>
    public IPAddress AdvertisedAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary>How long without a heartbeat before a silo is declared dead (Orleans probe timeout × missed probes). The default value is 10 s.</summary>
    public TimeSpan FailureDetection { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A name shown by <c>fanout cluster status</c>. The default value is <c>ROLE@HOST:PID</c>.</summary>
    public string Name { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// How often the coordinator grain of each coordinated run checks that the run's coordinator silo is alive (its reminder's
    /// period): a quarter of <see cref="FailureDetection"/>, at least one second. A run whose coordinator died is taken over within
    /// about <see cref="FailureDetection"/> plus this.
    /// </summary>
    public TimeSpan CoordinatorCheck => TimeSpan.FromSeconds(Math.Max(1, FailureDetection.TotalSeconds / 4));

    /// <summary>Whether this silo coordinates runs (a <c>fanout serve --role api|all</c>: it has the store, the inventory and an execution queue).</summary>
    public bool CoordinatesRuns => Role is ClusterRoles.Api or ClusterRoles.All;

    /// <summary>Whether this silo runs targets.</summary>
    public bool RunsTargets => Role is ClusterRoles.Worker or ClusterRoles.All;

    /// <summary>Problems with the settings, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Role is not (ClusterRoles.Worker or ClusterRoles.Api or ClusterRoles.All or ClusterRoles.Cli))
        {
            problems.Add($"role '{Role}' is not one of worker, api, all, cli");
        }

        if (MaxTargets < 1)
        {
            problems.Add("--max-targets must be at least 1");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Length > 150)
        {
            problems.Add("the cluster id must be 1 to 150 characters");
        }

        if (SiloPort is < 0 or > 65535)
        {
            problems.Add($"--silo-port {SiloPort} is not a port");
        }

        if (FailureDetection < TimeSpan.FromSeconds(2))
        {
            problems.Add("--failure-detection must be at least 2s");
        }

        return problems;
    }
}

/// <summary>The roles of a silo.</summary>
internal static class ClusterRoles
{
    public const string Worker = "worker";
    public const string Api = "api";
    public const string All = "all";

    /// <summary>A CLI process running its own run on the workers (<c>--on-workers</c>): neither runs targets nor takes runs over.</summary>
    public const string Cli = "cli";
}
