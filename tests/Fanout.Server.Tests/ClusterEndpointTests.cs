using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary><c>GET /api/cluster</c> on a server that runs alone (the clustered answer is proven with real processes in Fanout.Storage.Tests ClusterTests).</summary>
public sealed class ClusterEndpointTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 60000)]
    public async Task Cluster_OnAServerRunningAlone_SaysNotClusteredWithNoSilos()
    {
        JsonElement doc = await _host.GetJsonAsync("/api/cluster", ApiRole.Viewer);
        Assert.False(doc.GetProperty("clustered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.GetProperty("cluster").ValueKind);
        Assert.Equal(0, doc.GetProperty("silos").GetArrayLength());
        using HttpClient client = _host.Client(ApiRole.Viewer);
        string metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.DoesNotContain("fanout_cluster_leases_lost_total", metrics, StringComparison.Ordinal);
    }
}
