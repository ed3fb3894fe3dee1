using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Membership;
using Fanout.Security;
using Fanout.Server.Auth;

namespace Fanout.Server.Cluster;

/// <summary><c>GET /api/cluster</c> (SPEC A8): the silos of this server's cluster, or <c>clustered: false</c> when it runs alone.</summary>
internal static class ClusterEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/cluster", GetAsync)
            .WithTags("Cluster").WithName("GetCluster").Produces<ClusterDocument>()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
    }

    private static async Task<IResult> GetAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<ClusterSettings>() is not { } settings)
        {
            return Results.Ok(new ClusterDocument(false, null, null, 0, []));
        }

        IReadOnlyList<ClusterSilo> silos = await services.GetRequiredService<ClusterDirectory>().ListAsync(cancellationToken);
        long lost = services.GetRequiredService<ClusterMetrics>().LostLeases;
        return Results.Ok(new ClusterDocument(true, settings.ClusterId, settings.Role, lost, [.. silos.Select(s => new ClusterSiloDocument(
            s.Silo, s.Name, s.Role, s.Status, s.Running, s.MaxTargets, s.Completed, s.Pid, s.StartedAt, s.UpdatedAt, s.Labels))]));
    }
}

/// <summary>The cluster as <c>GET /api/cluster</c> shows it.</summary>
/// <param name="Clustered">Whether this server is a silo of a cluster (<c>fanout serve --role</c>).</param>
/// <param name="Cluster">The cluster id, or <see langword="null"/>.</param>
/// <param name="Role">This server's role (<c>api</c> or <c>all</c>), or <see langword="null"/>.</param>
/// <param name="LostLeases">Leases this server granted whose worker was lost (those targets ran again on another worker).</param>
/// <param name="Silos">Every silo of the cluster, newest first.</param>
internal sealed record ClusterDocument(bool Clustered, string? Cluster, string? Role, long LostLeases, IReadOnlyList<ClusterSiloDocument> Silos);

/// <summary>One silo: see <c>fanout cluster status</c>. <paramref name="Labels"/>: its <c>fanout worker --labels</c> (empty for none).</summary>
internal sealed record ClusterSiloDocument(
    string Silo, string Name, string Role, string Status, int Running, int MaxTargets, long Completed, int Pid, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, string> Labels);
