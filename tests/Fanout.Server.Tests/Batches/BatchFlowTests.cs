using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>The A1–A3 flow against a real server with real local processes.</summary>
public sealed class BatchFlowTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 3);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory(Timeout = 60000)]
    [InlineData("db", "t01,t02,t03")]
    [InlineData("web:db", "")]
    [InlineData("~t0[13]", "t02,t04,t05")]
    [InlineData("t0*:&db", "t01,t02,t03")]
    [InlineData("web,!t02", "t02,t04,t05")]
    public async Task CreateBatch_SelectorExcludes_TakeTheAnsiblePatternLanguage(string exclude, string expected)
    {
        // Issue 10 item 3: the API selector's excludes are the same patterns as --exclude (groups, globs, ~regex, unions).
        string marker = Path.Combine(_host.Directory, $"excluded-{Guid.NewGuid():N}");
        using HttpClient op = _host.Client(ApiRole.Operator);
        using HttpResponseMessage response = await op.PostAsJsonAsync("/api/executions/batch", new
        {
            selector = new { patterns = new[] { "t0*" }, excludes = new[] { exclude } },
            action = new { type = "command", value = $"echo $FANOUT_TARGET >> {marker}" },
        });
        string text = await response.Content.ReadAsStringAsync();

        if (expected.Length == 0)
        {
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains("selects no targets", text, StringComparison.Ordinal);
            Assert.False(File.Exists(marker));
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        string id = JsonDocument.Parse(text).RootElement.GetProperty("batchId").GetString()!;
        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal(expected.Split(','), status.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("nodeId").GetString()));
        Assert.Equal(expected.Split(','), File.ReadAllLines(marker).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 60000)]
    public async Task CreateBatch_GroupsAndNodes_StreamsEventsPagesStatusAndExports()
    {
        string marker = Path.Combine(_host.Directory, "ran");
        string id = await _host.CreateBatchAsync(new
        {
            targetGroupIds = new[] { "web" },
            targetNodeIds = new[] { "t02", "t05" },
            action = new { type = "command", value = $"echo out-$FANOUT_TARGET; echo err >&2; echo $FANOUT_TARGET >> {marker}; [ $FANOUT_TARGET != t05 ]" },
            options = new { parallel = 2, timeout = "30s", retries = 0, failurePolicy = "continue" },
        });

        using HttpClient viewer = _host.Client(ApiRole.Viewer);
        (IReadOnlyList<SseReader.Frame> frames, string type) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events");

        Assert.Equal("text/event-stream", type);
        Assert.Equal("run-started", frames[0].Event);
        Assert.Equal("batch-finished", frames[^1].Event);
        Assert.Equal(4, frames.Count(f => f.Event == "target-finished"));
        long[] ids = [.. frames.Where(f => f.Event != "progress").Select(f => f.Id)];
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        JsonElement progress = JsonDocument.Parse(frames.Last(f => f.Event == "progress").Data).RootElement;
        Assert.Equal(100, progress.GetProperty("progress").GetDouble());
        Assert.Equal(3, progress.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, progress.GetProperty("failed").GetInt32());

        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal(4, status.GetProperty("total").GetInt32()); // t02 deduplicated
        Assert.Equal(3, status.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.Equal(1, status.GetProperty("counts").GetProperty("failed").GetInt32());
        Assert.Equal(100, status.GetProperty("progress").GetDouble());
        Assert.Equal(["t01", "t02", "t03", "t05"], status.GetProperty("executions").EnumerateArray().Select(e => e.GetProperty("nodeId").GetString()));
        Assert.Equal(4, File.ReadAllLines(marker).Length);

        JsonElement page2 = await _host.GetJsonAsync($"/api/executions/batch/{id}?page=2&pageSize=3");
        JsonElement only = Assert.Single(page2.GetProperty("executions").EnumerateArray());
        Assert.Equal("t05", only.GetProperty("nodeId").GetString());
        Assert.Equal($"{id}.4", only.GetProperty("executionId").GetString());
        Assert.Equal(1, only.GetProperty("exitCode").GetInt32());
        Assert.Equal("out-t05\n", only.GetProperty("stdout").GetString());
        Assert.Equal("err\n", only.GetProperty("stderr").GetString());

        JsonElement failedOnly = await _host.GetJsonAsync($"/api/executions/batch/{id}?status=failed");
        Assert.Equal(1, failedOnly.GetProperty("matching").GetInt32());

        using HttpResponseMessage csv = await viewer.GetAsync($"/api/runs/{id}/export?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        string[] rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("target,state,exitCode,attempts,wave,startedAt,durationMs,stdout,stderr,error", rows[0]);
        Assert.Equal(5, rows.Length);
        Assert.StartsWith("t05,failed,1,1,1,", rows[4], StringComparison.Ordinal);

        JsonElement export = await _host.GetJsonAsync($"/api/runs/{id}/export?format=json");
        Assert.Equal(id, export.GetProperty("runId").GetString());
        Assert.Equal(0.75, export.GetProperty("summary").GetProperty("successRate").GetDouble());
        Assert.Equal("failed", export.GetProperty("targets")[3].GetProperty("state").GetString());

        // The same store as the CLI: history sees the API run, recorded with the token name as actor.
        RunRecord? run = await _host.Store.GetRunAsync(id, CancellationToken.None);
        Assert.Equal("operator", run!.Actor);
        JsonElement history = await _host.GetJsonAsync("/api/runs?limit=5");
        Assert.Equal(id, history.GetProperty("runs")[0].GetProperty("runId").GetString());
    }

    [Fact(Timeout = 60000)]
    public async Task EventsReconnect_WithLastEventId_ReplaysOnlyMissedEvents()
    {
        string id = await _host.CreateBatchAsync(new { selector = new { tags = new[] { "env=prod" } }, action = new { type = "command", value = "sleep 0.3" } });
        using HttpClient viewer = _host.Client(ApiRole.Viewer);

        (IReadOnlyList<SseReader.Frame> first, _) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events", stopAfter: 3);
        (IReadOnlyList<SseReader.Frame> rest, _) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events", lastEventId: first[^1].Id);
        await _host.WaitFinishedAsync(id);
        (IReadOnlyList<SseReader.Frame> all, _) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events");
        (IReadOnlyList<SseReader.Frame> tail, _) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events", lastEventId: 4);

        var live = first.Concat(rest).Select(f => (f.Id, f.Event)).ToList();
        Assert.Equal(live.Count, live.Distinct().Count());
        Assert.Equal(live.Where(f => f.Event != "progress").Select(f => f.Id).Order(), live.Where(f => f.Event != "progress").Select(f => f.Id));
        Assert.Equal("batch-finished", live[^1].Event);
        // The store keeps every event except target-started (its attempt row records the start): same ids, same order.
        Assert.Equal(all.Select(f => (f.Id, f.Event)), live.Where(f => f.Event != "target-started"));
        Assert.Equal(all.Where(f => f.Id > 4).Select(f => (f.Id, f.Event, f.Data)), tail.Select(f => (f.Id, f.Event, f.Data)));
        Assert.Equal("batch-finished", tail[^1].Event);
    }

    [Fact(Timeout = 60000)]
    public async Task Cancel_RunningBatch_ReturnsCountAndRecordsResumableRun()
    {
        string marker = Path.Combine(_host.Directory, "resumed");
        string id = await _host.CreateBatchAsync(new
        {
            targetGroupIds = new[] { "web" },
            action = new { type = "command", value = $"[ -e {marker}.go ] || sleep 30; echo $FANOUT_TARGET >> {marker}" },
            options = new { parallel = 3 },
        });
        await _host.WaitForAsync(id, s => s.GetProperty("counts").GetProperty("running").GetInt32() == 3);

        using HttpClient op = _host.Client(ApiRole.Operator);
        using HttpResponseMessage cancel = await op.PostAsync($"/api/executions/batch/{id}/cancel", null);
        JsonElement body = JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement;
        JsonElement status = await _host.WaitFinishedAsync(id);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(3, body.GetProperty("cancelled").GetInt32());
        Assert.Equal("cancelled", status.GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("counts").GetProperty("cancelled").GetInt32());
        Assert.False(File.Exists(marker));
        // Issue 12 item 17: the stop reason names who cancelled (a shutdown says so instead: QueueTests).
        JsonElement run = await _host.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal("cancelled by operator", run.GetProperty("stopReason").GetString());
        using (HttpClient viewer = _host.Client(ApiRole.Viewer))
        {
            (IReadOnlyList<SseReader.Frame> frames, _) = await SseReader.ReadAsync(viewer, $"/api/executions/batch/{id}/events");
            Assert.Equal("cancelled by operator", JsonDocument.Parse(frames[^1].Data).RootElement.GetProperty("stopReason").GetString());
        }

        // Resume runs what did not complete, in the same run.
        await File.WriteAllTextAsync(marker + ".go", string.Empty);
        using HttpResponseMessage resume = await op.PostAsync($"/api/runs/{id}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        await _host.WaitForAsync(id, s => s.GetProperty("runStatus").ValueKind == JsonValueKind.String && s.GetProperty("runStatus").GetString() == "succeeded");
        Assert.Equal(["t01", "t02", "t03"], File.ReadAllLines(marker).Order());
        Assert.Equal(1, (await _host.Store.GetRunAsync(id, CancellationToken.None))!.ResumeCount);
    }

    [Fact(Timeout = 60000)]
    public async Task Retry_FailedTargets_RunsThemInANewLinkedBatch()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t04" }, action = new { type = "command", value = "[ $FANOUT_TARGET = t01 ]" } });
        await _host.WaitFinishedAsync(id);

        using HttpClient op = _host.Client(ApiRole.Operator);
        using HttpResponseMessage retry = await op.PostAsync($"/api/runs/{id}/retry?select=failed", null);
        string retryId = JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("batchId").GetString()!;
        JsonElement status = await _host.WaitFinishedAsync(retryId);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("t04", Assert.Single(status.GetProperty("executions").EnumerateArray()).GetProperty("nodeId").GetString());
        Assert.Equal(id, (await _host.Store.GetRunAsync(retryId, CancellationToken.None))!.ParentRunId);
    }

    [Fact(Timeout = 60000)]
    public async Task Script_WithArgs_RunsInlineScript()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t03" },
            action = new { type = "script", value = "#!/bin/sh\necho \"script $1 $FANOUT_TARGET\"\n", parameters = new { name = "hello.sh", args = new[] { "arg1" } } },
        });
        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal("script arg1 t03\n", status.GetProperty("executions")[0].GetProperty("stdout").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task UnknownBatch_Returns404ForStatusEventsAndCancel()
    {
        using HttpClient admin = _host.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/executions/batch/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/executions/batch/nope/events")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/executions/batch/nope/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/runs/nope")).StatusCode);
    }

    [Fact(Timeout = 60000)]
    public async Task Metrics_AfterRun_ExposeRunsTargetsAndDurations()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "true" } });
        await _host.WaitFinishedAsync(id);

        using HttpClient viewer = _host.Client(ApiRole.Viewer);
        string metrics = await viewer.GetStringAsync("/metrics");

        Assert.Contains("fanout_runs_total{status=\"succeeded\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("fanout_targets_total{state=\"succeeded\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("fanout_target_duration_seconds_count 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("fanout_queue_depth 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("fanout_targets_running 0\n", metrics, StringComparison.Ordinal);
        Assert.Matches(@"fanout_http_connections_open [1-9]", metrics);
        Assert.DoesNotContain("workflow", metrics, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Audit_EveryMutation_IsRecordedWithTheTokenName()
    {
        string id = await _host.CreateBatchAsync(new { targetGroupIds = new[] { "db" }, action = new { type = "command", value = "true" } });
        await _host.WaitFinishedAsync(id);
        using HttpClient admin = _host.Client();
        using HttpResponseMessage cancel = await admin.PostAsync($"/api/executions/batch/{id}/cancel", null);
        using HttpResponseMessage token = await admin.PostAsJsonAsync("/api/tokens", new { name = "ci", role = "viewer" });
        using HttpResponseMessage revoke = await admin.DeleteAsync("/api/tokens/ci");
        using HttpResponseMessage schedule = await admin.PostAsJsonAsync("/api/schedules", new { name = "nightly", cron = "0 2 * * *", targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "true" } });
        using HttpResponseMessage unschedule = await admin.DeleteAsync("/api/schedules/nightly");

        JsonElement batch = await _host.GetJsonAsync($"/api/audit?batchId={id}");
        JsonElement all = await _host.GetJsonAsync("/api/audit");

        var actions = batch.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["batch.create", "batch.start"], actions.Take(2));
        Assert.Equal(["batch.finish", "batch.cancel"], actions.TakeLast(2));
        Assert.Equal(["execution.finish", "execution.finish", "execution.start", "execution.start"], actions.Skip(2).SkipLast(2).Order());
        JsonElement create = batch.GetProperty("entries")[0];
        Assert.Equal("operator", create.GetProperty("actor").GetString());
        Assert.Equal(2, create.GetProperty("targetCount").GetInt32());
        Assert.Equal("command: true", create.GetProperty("detail").GetString());
        Assert.True(batch.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "execution.finish")
            .All(e => e.GetProperty("durationMs").GetDouble() > 0));
        var others = all.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("actor").GetString(), e.GetProperty("action").GetString())).ToList();
        Assert.Contains(("admin", "token.create"), others);
        Assert.Contains(("admin", "token.revoke"), others);
        Assert.Contains(("admin", "schedule.add"), others);
        Assert.Contains(("admin", "schedule.cancel"), others);
        Assert.Contains(("admin", "token.use"), others);
        Assert.Equal(HttpStatusCode.Created, schedule.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, unschedule.StatusCode);
    }
}
