using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>SPEC A1: a full execution queue answers 429 with the queue status, and runs nothing.</summary>
public sealed class QueueTests
{
    [Fact(Timeout = 60000)]
    public async Task CreateBatch_QueueFull_Returns429WithQueueStatus()
    {
        await using ServerHost host = await ServerHost.StartAsync(maxConcurrentBatches: 1, queueCapacity: 1, bigTargets: 1);
        string marker = Path.Combine(host.Directory, "third");
        string first = await host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "sleep 30" } });
        await host.WaitForAsync(first, s => s.GetProperty("status").GetString() == "running");
        string second = await host.CreateBatchAsync(new { targetNodeIds = new[] { "t02" }, action = new { type = "command", value = "sleep 30" } });

        using HttpClient op = host.Client(ApiRole.Operator);
        using HttpResponseMessage third = await op.PostAsJsonAsync("/api/executions/batch", new { targetNodeIds = new[] { "t03" }, action = new { type = "command", value = $"touch {marker}" } });
        JsonElement problem = JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement;
        JsonElement queued = await host.GetJsonAsync($"/api/executions/batch/{second}");
        using HttpResponseMessage cancelQueued = await op.PostAsync($"/api/executions/batch/{second}/cancel", null);
        using HttpResponseMessage cancelFirst = await op.PostAsync($"/api/executions/batch/{first}/cancel", null);
        JsonElement secondDone = await host.WaitFinishedAsync(second);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        // Issue 12 item 17: the queue-full 429 says when to come back and has a problem type.
        Assert.Equal(TimeSpan.FromSeconds(5), third.Headers.RetryAfter?.Delta);
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, problem.GetProperty("queue").GetProperty("queued").GetInt32());
        Assert.Equal(1, problem.GetProperty("queue").GetProperty("capacity").GetInt32());
        Assert.Equal(1, problem.GetProperty("queue").GetProperty("running").GetInt32());
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal(1, queued.GetProperty("counts").GetProperty("queued").GetInt32());
        Assert.Equal(1, JsonDocument.Parse(await cancelQueued.Content.ReadAsStringAsync()).RootElement.GetProperty("cancelled").GetInt32());
        // A batch cancelled while queued is recorded as a cancelled run whose target never ran: resumable.
        Assert.Equal("cancelled", secondDone.GetProperty("runStatus").GetString());
        Assert.Equal("cancelled by operator", (await host.Store.GetRunAsync(second, CancellationToken.None))!.StopReason);
        Assert.Equal("not-run", secondDone.GetProperty("executions")[0].GetProperty("state").GetString());
        Assert.False(File.Exists(marker));
    }

    [Fact(Timeout = 60000)]
    public async Task Stop_WithRunningBatch_RecordsItCancelledAndResumable()
    {
        ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        string id = await host.CreateBatchAsync(new { targetGroupIds = new[] { "web" }, action = new { type = "command", value = "sleep 30" } });
        await host.WaitForAsync(id, s => s.GetProperty("counts").GetProperty("running").GetInt32() == 3);
        Fanout.Runs.IRunStore store = host.Store;
        await host.StopOnlyAsync();
        Fanout.Runs.RunRecord? run = await store.GetRunAsync(id, CancellationToken.None);
        Fanout.Runs.ContinuationPlan plan = await new Fanout.Runs.RunService(store: store).PlanResumeAsync(id, CancellationToken.None);
        await host.DisposeAsync();

        Assert.Equal(Fanout.Runs.RunStatus.Cancelled, run!.Status);
        Assert.Equal("cancelled: the server is shutting down", run.StopReason); // not a user's cancel (issue 12 item 17)
        Assert.Null(plan.Error);
        Assert.Equal(3, plan.Request!.Targets.Count);
    }
}
