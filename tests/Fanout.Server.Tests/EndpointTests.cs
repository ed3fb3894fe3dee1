using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary>SPEC A4: inventory, runs logs, schedules (fired by the server's scheduler), workflows, tokens.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 12);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 30000)]
    public async Task InventoryNodes_SearchTagGroupAndPaging()
    {
        JsonElement page = await _host.GetJsonAsync("/api/inventory/nodes?search=n00&page=2&pageSize=5");
        JsonElement prod = await _host.GetJsonAsync("/api/inventory/nodes?tag=env=prod");
        JsonElement web = await _host.GetJsonAsync("/api/inventory/nodes?group=web");

        Assert.Equal(12, page.GetProperty("total").GetInt32());
        Assert.Equal(["n0005", "n0006", "n0007", "n0008", "n0009"], page.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        Assert.Equal(["t01", "t02", "t04"], prod.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        Assert.Equal("local", web.GetProperty("nodes")[0].GetProperty("transport").GetString());
        Assert.Equal(3, web.GetProperty("total").GetInt32());
    }

    [Fact(Timeout = 30000)]
    public async Task InventoryGroups_SearchAndCounts()
    {
        JsonElement all = await _host.GetJsonAsync("/api/inventory/groups");
        JsonElement b = await _host.GetJsonAsync("/api/inventory/groups?search=BI");

        Assert.Contains("web", all.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        JsonElement big = Assert.Single(b.GetProperty("groups").EnumerateArray());
        Assert.Equal(12, big.GetProperty("targetCount").GetInt32());
    }

    [Fact(Timeout = 60000)]
    public async Task RunLogs_ReturnEveryAttemptWithFullOutput()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "echo log-$FANOUT_TARGET" } });
        await _host.WaitFinishedAsync(id);

        JsonElement logs = await _host.GetJsonAsync($"/api/runs/{id}/logs?target=t02");
        JsonElement show = await _host.GetJsonAsync($"/api/runs/{id}");

        JsonElement attempt = Assert.Single(logs.GetProperty("attempts").EnumerateArray());
        Assert.Equal("log-t02\n", attempt.GetProperty("stdout").GetString());
        Assert.Equal("succeeded", show.GetProperty("status").GetString());
        Assert.Equal(2, show.GetProperty("summary").GetProperty("succeeded").GetInt32());
    }

    [Fact(Timeout = 60000)]
    public async Task Schedule_AddedOverHttp_IsListedAndFiredByTheServer()
    {
        string marker = Path.Combine(_host.Directory, "scheduled");
        using HttpClient admin = _host.Client();
        using HttpResponseMessage added = await admin.PostAsJsonAsync("/api/schedules", new
        {
            name = "tick",
            cron = "* * * * * *",
            targetNodeIds = new[] { "t03" },
            action = new { type = "command", value = $"echo fired >> {marker}" },
        });
        using HttpResponseMessage duplicate = await admin.PostAsJsonAsync("/api/schedules", new { name = "tick", cron = "* * * * * *", targetNodeIds = new[] { "t03" }, action = new { type = "command", value = "true" } });
        using HttpResponseMessage badCron = await admin.PostAsJsonAsync("/api/schedules", new { cron = "every day", targetNodeIds = new[] { "t03" }, action = new { type = "command", value = "true" } });

        JsonElement run;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (true)
            {
                JsonElement runs = (await _host.GetJsonAsync("/api/runs?status=succeeded")).GetProperty("runs");
                if (runs.GetArrayLength() > 0)
                {
                    run = runs[0];
                    break;
                }

                await Task.Delay(50, deadline.Token);
            }
        }

        using HttpResponseMessage cancel = await admin.DeleteAsync("/api/schedules/tick");
        JsonElement listed = await _host.GetJsonAsync("/api/schedules");

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badCron.StatusCode);
        Assert.True(JsonDocument.Parse(await badCron.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("cron", out _));
        Assert.Equal("schedule:tick", run.GetProperty("actor").GetString());
        Assert.Contains("fired", await File.ReadAllTextAsync(marker), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        Assert.Equal(0, listed.GetProperty("schedules").GetArrayLength());
    }

    [Fact(Timeout = 30000)]
    public async Task Workflows_ValidateReportsPositionsAndListShowsFiles()
    {
        Directory.CreateDirectory(Path.Combine(_host.Directory, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_host.Directory, "workflows", "ok.yaml"), "name: ok\nsteps:\n  - name: hello\n    command: echo hi\n");
        using HttpClient viewer = _host.Client(ApiRole.Viewer);

        using HttpResponseMessage bad = await viewer.PostAsJsonAsync("/api/workflows/validate", new { content = "name: x\nsteps:\n  - name: a\n    depends_on: [ghost]\n    command: echo\n" });
        using HttpResponseMessage good = await viewer.PostAsJsonAsync("/api/workflows/validate", new { content = "name: ok\nsteps:\n  - name: hello\n    command: echo hi\n" });
        JsonElement list = await _host.GetJsonAsync("/api/workflows");

        JsonElement badReport = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        Assert.False(badReport.GetProperty("valid").GetBoolean());
        JsonElement error = badReport.GetProperty("diagnostics").EnumerateArray().First(d => d.GetProperty("severity").GetString() == "error");
        Assert.Contains("ghost", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(error.GetProperty("line").GetInt32() >= 3);
        Assert.True(JsonDocument.Parse(await good.Content.ReadAsStringAsync()).RootElement.GetProperty("valid").GetBoolean());
        JsonElement file = Assert.Single(list.GetProperty("workflows").EnumerateArray());
        Assert.Equal("ok.yaml", file.GetProperty("file").GetString());
        Assert.True(file.GetProperty("valid").GetBoolean());
    }

    [Fact(Timeout = 30000)]
    public async Task Tokens_CreateShowsSecretOnceAndListNeverDoes()
    {
        using HttpClient admin = _host.Client();
        using HttpResponseMessage created = await admin.PostAsJsonAsync("/api/tokens", new { name = "deploy-bot", role = "operator" });
        using HttpResponseMessage badRole = await admin.PostAsJsonAsync("/api/tokens", new { name = "x", role = "root" });
        string secret = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        string list = await admin.GetStringAsync("/api/tokens");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("fo_", secret, StringComparison.Ordinal);
        Assert.Contains("deploy-bot", list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        Assert.DoesNotContain(Fanout.Security.ApiTokens.HashOf(secret), list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
    }
}
