using System.Net;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Observability;

/// <summary>Issue 12 items 11 and 17: /healthz reports a broken inventory as degraded; the 503 shows no absolute server path.</summary>
public sealed class HealthTests
{
    [Fact(Timeout = 60000)]
    public async Task BrokenInventory_MakesHealthDegraded_And503ShowsRelativePaths()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        JsonElement before = await host.GetJsonAsync("/healthz");
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "inventory.yaml"), "targets: [this is: not, {valid\n");

        JsonElement after;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            do
            {
                await Task.Delay(100, deadline.Token);
                after = await host.GetJsonAsync("/healthz");
            }
            while (after.GetProperty("status").GetString() == "ok");
        }

        using HttpClient viewer = host.Client(ApiRole.Viewer);
        using HttpResponseMessage nodes = await viewer.GetAsync("/api/inventory/nodes");
        string text = await nodes.Content.ReadAsStringAsync();

        Assert.Equal("ok", before.GetProperty("status").GetString());
        Assert.Equal("degraded", after.GetProperty("status").GetString());
        Assert.Equal("unavailable", after.GetProperty("components").GetProperty("inventory").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, nodes.StatusCode);
        Assert.Contains("inventory.yaml", text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Directory, text, StringComparison.Ordinal);
    }
}
