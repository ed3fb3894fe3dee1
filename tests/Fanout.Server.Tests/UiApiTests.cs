using System.Net;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary>The API endpoints the web UI reads (SPEC U, docs/api.md): who am I, the executions list, waves in the status, stop after a batch.</summary>
public sealed class UiApiTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 25);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 120000)]
    public async Task Pages_WhileBatchesWriteToTheStore_NeverAnswer500()
    {
        // Regression: a page rendered again while its OnInitializedAsync awaited a busy store (the first page after sign-in
        // under load) dereferenced data not read yet and answered 500. 160 page loads from 8 clients while batches run.
        Task batches = Task.Run(async () =>
        {
            for (int i = 0; i < 12; i++)
            {
                await _host.CreateBatchAsync(new { targetGroupIds = new[] { "web", "db" }, action = new { type = "command", value = "sleep 0.2" } });
                await Task.Delay(200);
            }
        });
        var statuses = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            using HttpClient client = _host.Client(ApiRole.Viewer);
            for (int i = 0; i < 20; i++)
            {
                string path = i % 2 == 0 ? "/" : "/inventory";
                using HttpResponseMessage page = await client.GetAsync(path);
                statuses.Add($"{path} {(int)page.StatusCode}");
            }
        })));
        await batches;
        Assert.Equal(160, statuses.Count(s => s.EndsWith(" 200", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 120000)]
    public async Task ExecutionEvents_PushNewRunsAndTheirProgress_FromThisServerAndFromTheStore()
    {
        // GET /api/executions/events (docs/api.md): a snapshot first, then only what changed, as list items; a batch of this
        // server and a run another process writes to the store both appear, progress, and end — without any list read.
        string before = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "echo before" } });
        await _host.WaitFinishedAsync(before);
        using HttpClient client = _host.Client(ApiRole.Viewer);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/executions/events");
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new List<(bool Snapshot, JsonElement Run)>();
        async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                string? line = await reader.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the stream ended");
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                JsonElement data = JsonDocument.Parse(line[6..]).RootElement;
                bool snapshot = data.GetProperty("snapshot").GetBoolean();
                foreach (JsonElement run in data.GetProperty("runs").EnumerateArray())
                {
                    seen.Add((snapshot, run));
                }

                foreach (JsonElement run in data.GetProperty("runs").EnumerateArray())
                {
                    if (match(run))
                    {
                        return run;
                    }
                }

                Assert.False(deadline.IsCancellationRequested, "waiting for " + what);
            }
        }

        string Id(JsonElement r) => r.GetProperty("runId").GetString()!;
        string State(JsonElement r) => r.GetProperty("state").GetString()!;
        int Done(JsonElement r) => r.GetProperty("done").GetInt32();

        // The snapshot: the newest runs, as GET /api/executions lists them.
        JsonElement old = await WaitForAsync(r => Id(r) == before, "the snapshot");
        Assert.True(seen.Single().Snapshot);
        Assert.Equal("succeeded", State(old));
        Assert.Equal("echo before", old.GetProperty("name").GetString());

        // A batch of this server: it appears running, its progress moves (one target at a time), it ends.
        string batch = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02", "t03" }, action = new { type = "command", value = "sleep 1.5" }, options = new { parallel = 1 } });
        JsonElement running = await WaitForAsync(r => Id(r) == batch, "the new batch");
        Assert.Contains(State(running), new[] { "queued", "running" });
        Assert.Equal(3, running.GetProperty("total").GetInt32());
        Assert.Equal("operator", running.GetProperty("startedBy").GetString());
        JsonElement ended = await WaitForAsync(r => Id(r) == batch && State(r) == "succeeded", "the batch's end");
        Assert.Equal(3, Done(ended));
        int[] progress = [.. seen.Where(s => Id(s.Run) == batch).Select(s => Done(s.Run))];
        Assert.Contains(progress, d => d is 1 or 2); // seen part-way, not only at the start and the end
        Assert.Equal(progress.Order(), progress);
        Assert.All(seen.Skip(1), s => Assert.False(s.Snapshot));
        // Only changes are sent: the finished run of before is not sent again.
        Assert.Single(seen, s => Id(s.Run) == before);

        // A run written to the store by another process (another server, the CLI): it appears and its progress moves too.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await _host.Store.CreateRunAsync(new Fanout.Runs.RunRecord
        {
            RunId = "elsewhere-1", Kind = "exec", Name = "uptime", Actor = "someone", StartedAt = now, Status = Fanout.Runs.RunStatus.Running, OwnerHost = "another-host", OwnerPid = 1,
        }, [new Fanout.Runs.RunTargetRecord("a", 1), new Fanout.Runs.RunTargetRecord("b", 1)], CancellationToken.None);
        await _host.Store.WriteAsync(new Fanout.Runs.RunWriteBatch { RunId = "elsewhere-1", Counts = new Fanout.Runs.RunCounts(2, 0, 0, 0, 0, 0, 0) }, CancellationToken.None);
        JsonElement other = await WaitForAsync(r => Id(r) == "elsewhere-1", "the other process's run");
        Assert.Equal("running", State(other));
        Assert.Equal("someone", other.GetProperty("startedBy").GetString());
        await _host.Store.WriteAsync(new Fanout.Runs.RunWriteBatch { RunId = "elsewhere-1", Counts = new Fanout.Runs.RunCounts(2, 1, 0, 0, 0, 0, 0) }, CancellationToken.None);
        await WaitForAsync(r => Id(r) == "elsewhere-1" && Done(r) == 1 && State(r) == "running", "its progress");
        await _host.Store.FinishRunAsync("elsewhere-1", Fanout.Runs.RunStatus.Failed, DateTimeOffset.UtcNow, new Fanout.Runs.RunCounts(2, 1, 1, 0, 0, 0, 0), null, CancellationToken.None);
        JsonElement failed = await WaitForAsync(r => Id(r) == "elsewhere-1" && State(r) == "failed", "its end");
        Assert.Equal(1, failed.GetProperty("failed").GetInt32());
    }

    [Fact(Timeout = 60000)]
    public async Task Me_NamesTheTokenAndItsRole()
    {
        JsonElement me = await _host.GetJsonAsync("/api/me", ApiRole.Viewer);
        Assert.Equal("viewer", me.GetProperty("name").GetString());
        Assert.Equal("viewer", me.GetProperty("role").GetString());
        JsonElement admin = await _host.GetJsonAsync("/api/me", ApiRole.Admin);
        Assert.Equal("admin", admin.GetProperty("role").GetString());
    }

    [Fact(Timeout = 90000)]
    public async Task Executions_ListsEveryRunNewestFirst_WithProgress_AndFilters_ByKindStateTypeAndSearch()
    {
        string first = await _host.CreateBatchAsync(new { targetGroupIds = new[] { "web" }, action = new { type = "command", value = "echo one" } });
        await _host.WaitFinishedAsync(first);
        string failing = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t04" }, action = new { type = "command", value = "exit 3" } });
        await _host.WaitFinishedAsync(failing);
        string running = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "sleep 30" }, options = new { parallel = 1 } });
        await _host.WaitForAsync(running, s => s.GetProperty("counts").GetProperty("running").GetInt32() == 1);

        JsonElement all = await _host.GetJsonAsync("/api/executions");
        string[] ids = [.. all.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()!)];
        Assert.Equal([running, failing, first], ids);
        JsonElement live = all.GetProperty("runs")[0];
        Assert.Equal("running", live.GetProperty("state").GetString());
        Assert.Equal(2, live.GetProperty("total").GetInt32());
        Assert.Equal(0, live.GetProperty("done").GetInt32());
        Assert.Equal("operator", live.GetProperty("startedBy").GetString());
        JsonElement done = all.GetProperty("runs")[2];
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        Assert.Equal(3, done.GetProperty("done").GetInt32());
        Assert.Equal("echo one", done.GetProperty("name").GetString());

        JsonElement failed = await _host.GetJsonAsync("/api/executions?state=failed");
        Assert.Equal([failing], failed.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        JsonElement search = await _host.GetJsonAsync("/api/executions?search=ECHO");
        Assert.Equal([first], search.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        JsonElement paged = await _host.GetJsonAsync("/api/executions?page=2&pageSize=2");
        Assert.Equal(3, paged.GetProperty("total").GetInt32());
        Assert.Equal([first], paged.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        Assert.Empty((await _host.GetJsonAsync("/api/executions?kind=workflow")).GetProperty("runs").EnumerateArray());
        // Seed 003's execution type: single (one target: the stored failing run) or batch (several: the live one and the group's).
        JsonElement single = await _host.GetJsonAsync("/api/executions?type=single");
        Assert.Equal([failing], single.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        JsonElement batch = await _host.GetJsonAsync("/api/executions?type=batch&state=succeeded");
        Assert.Equal([first], batch.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal([running, first], (await _host.GetJsonAsync("/api/executions?type=batch")).GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("runId").GetString()));

        using HttpClient client = _host.Client(ApiRole.Viewer);
        using HttpResponseMessage bad = await client.GetAsync("/api/executions?state=sleeping");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("state", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage badType = await client.GetAsync("/api/executions?type=multi");
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.True(JsonDocument.Parse(await badType.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("type", out _));

        using HttpClient op = _host.Client(ApiRole.Operator);
        (await op.PostAsync($"/api/executions/batch/{running}/cancel", null)).EnsureSuccessStatusCode();
        await _host.WaitFinishedAsync(running);
    }

    [Fact(Timeout = 90000)]
    public async Task StopAfterBatch_FinishesTheRunningWave_AndStartsNoOther()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03", "t04", "t05" },
            action = new { type = "command", value = "sleep 1" },
            options = new { parallel = 2, batchSize = 2 },
        });
        JsonElement before = await _host.WaitForAsync(id, s => s.GetProperty("counts").GetProperty("running").GetInt32() > 0);
        Assert.Equal(["running", "pending", "pending"], before.GetProperty("waves").EnumerateArray().Select(w => w.GetProperty("state").GetString()));
        Assert.Equal(1, before.GetProperty("currentWave").GetInt32());

        using HttpClient client = _host.Client(ApiRole.Operator);
        using HttpResponseMessage stop = await client.PostAsync($"/api/executions/batch/{id}/stop-after-batch", null);
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        JsonElement end = await _host.WaitFinishedAsync(id);

        Assert.Equal("cancelled", end.GetProperty("runStatus").GetString());
        Assert.Equal("stopped after wave 1 of 3", (await _host.GetJsonAsync($"/api/runs/{id}")).GetProperty("stopReason").GetString());
        Assert.Equal(2, end.GetProperty("counts").GetProperty("succeeded").GetInt32());
        JsonElement[] waves = [.. end.GetProperty("waves").EnumerateArray()];
        Assert.Equal("complete", waves[0].GetProperty("state").GetString());
        Assert.All(waves.Skip(1), w => Assert.Equal(0, w.GetProperty("succeeded").GetInt32()));
        JsonElement t01 = end.GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("nodeId").GetString() == "t01");
        Assert.Equal(1, t01.GetProperty("wave").GetInt32());
        Assert.Equal(1, t01.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, t01.GetProperty("startedAt").ValueKind);
        JsonElement t05 = end.GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("nodeId").GetString() == "t05");
        Assert.Equal(3, t05.GetProperty("wave").GetInt32());

        using HttpResponseMessage again = await client.PostAsync($"/api/executions/batch/{id}/stop-after-batch", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using HttpResponseMessage unknown = await client.PostAsync("/api/executions/batch/no-such-batch/stop-after-batch", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact(Timeout = 60000)]
    public async Task InventoryFacets_CountTagsGroupsAndTransports_AndNodesFilterByTransport()
    {
        JsonElement facets = await _host.GetJsonAsync("/api/inventory/facets");
        Assert.Equal(30, facets.GetProperty("total").GetInt32());
        Assert.Equal(3, facets.GetProperty("tags").GetProperty("env=prod").GetInt32());
        Assert.Equal(25, facets.GetProperty("groups").GetProperty("big").GetInt32());
        Assert.Equal(30, facets.GetProperty("transports").GetProperty("local").GetInt32());
        Assert.Equal(30, Assert.Single(facets.GetProperty("sources").EnumerateObject()).Value.GetInt32());
        Assert.Equal(30, (await _host.GetJsonAsync("/api/inventory/nodes?transport=local")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await _host.GetJsonAsync("/api/inventory/nodes?transport=ssh")).GetProperty("total").GetInt32());
    }

    [Fact(Timeout = 60000)]
    public async Task InventoryFacets_CountNodesPerSource_AndNodesFilterBySource()
    {
        string extra = Path.Combine(Directory.CreateTempSubdirectory("fanout-source-").FullName, "edge.yaml");
        await File.WriteAllTextAsync(extra, "targets:\n  r1: {host: 127.0.0.2, transport: ssh}\n  r2: {host: 127.0.0.3, transport: ssh}\n  t01: {tags: {rack: a}}\n");
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 0, tune: o => o with { InventorySources = [.. o.InventorySources, extra] });
        string first = Path.Combine(host.Directory, "inventory.yaml");

        JsonElement sources = (await host.GetJsonAsync("/api/inventory/facets")).GetProperty("sources");
        JsonElement fromEdge = await host.GetJsonAsync($"/api/inventory/nodes?source={Uri.EscapeDataString(extra)}");
        JsonElement sshFromFirst = await host.GetJsonAsync($"/api/inventory/nodes?source={Uri.EscapeDataString(first)}&transport=ssh");
        JsonElement t01 = (await host.GetJsonAsync("/api/inventory/nodes?search=t01")).GetProperty("nodes")[0];

        // t01 is defined by the first source (the second only adds a tag to it): a node counts for the source that defined it first.
        Assert.Equal((5, 2), (sources.GetProperty(first).GetInt32(), sources.GetProperty(extra).GetInt32()));
        Assert.Equal(["r1", "r2"], fromEdge.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(0, sshFromFirst.GetProperty("total").GetInt32());
        Assert.Equal(first, t01.GetProperty("source").GetString());
    }

    [Fact(Timeout = 60000)]
    public async Task Approvals_OfAnExecRunAreEmpty_AndUnknownRunsAre404()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "echo hi" } });
        await _host.WaitFinishedAsync(id);
        JsonElement approvals = await _host.GetJsonAsync($"/api/runs/{id}/approvals");
        Assert.Equal(id, approvals.GetProperty("runId").GetString());
        Assert.Empty(approvals.GetProperty("approvals").EnumerateArray());
        using HttpClient client = _host.Client(ApiRole.Viewer);
        using HttpResponseMessage missing = await client.GetAsync("/api/runs/no-such-run/approvals");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
