using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary>The schedule and audit endpoints behind the web UI's Schedules and Audit pages (issue 13): update, pause, resume, run now; audit time range.</summary>
public sealed class ScheduleAuditApiTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 1);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 90000)]
    public async Task Schedule_UpdatePauseResumeAndRunNow_AreAdminOnly_Audited_AndAPausedScheduleDoesNotFire()
    {
        string marker = Path.Combine(_host.Directory, "fired");
        using HttpClient admin = _host.Client();
        // Never due on its own (Feb 30th): every fire in this test is a "run now".
        using (HttpResponseMessage added = await admin.PostAsJsonAsync("/api/schedules", new
        {
            name = "nightly", cron = "0 3 30 2 *", targetNodeIds = new[] { "t01" }, action = new { type = "command", value = $"echo fired >> {marker}" },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        // Update: cron, time zone and overlap; a bad cron is a 400 naming the field; an unknown field is refused.
        using HttpResponseMessage updated = await admin.PatchAsJsonAsync("/api/schedules/nightly", new { cron = "0 4 * * *", timeZone = "Europe/Paris", allowOverlap = true });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        JsonElement doc = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("0 4 * * *", doc.GetProperty("cron").GetString());
        Assert.Equal("Europe/Paris", doc.GetProperty("timeZone").GetString());
        Assert.True(doc.GetProperty("allowOverlap").GetBoolean());
        Assert.False(doc.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.String, doc.GetProperty("nextFireAt").ValueKind);
        using HttpResponseMessage badCron = await admin.PatchAsJsonAsync("/api/schedules/nightly", new { cron = "every day" });
        Assert.Equal(HttpStatusCode.BadRequest, badCron.StatusCode);
        Assert.True((await badCron.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("cron", out _));
        using HttpResponseMessage unknownField = await admin.PatchAsJsonAsync("/api/schedules/nightly", new { command = "rm -rf /" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        using HttpResponseMessage missing = await admin.PatchAsJsonAsync("/api/schedules/nope", new { cron = "0 4 * * *" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Pause: no next fire, listed as paused; pausing again changes nothing.
        using HttpResponseMessage paused = await admin.PostAsync("/api/schedules/nightly/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        JsonElement pausedDoc = await paused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(pausedDoc.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, pausedDoc.GetProperty("nextFireAt").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/schedules/nightly/pause", null)).StatusCode);
        JsonElement listed = Assert.Single((await _host.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray());
        Assert.True(listed.GetProperty("paused").GetBoolean());

        // Run now works on a paused schedule too: the run starts, is recorded as the schedule's last run, and really ran.
        using HttpResponseMessage fired = await admin.PostAsync("/api/schedules/nightly/run", null);
        Assert.Equal(HttpStatusCode.Accepted, fired.StatusCode);
        JsonElement firedDoc = await fired.Content.ReadFromJsonAsync<JsonElement>();
        string runId = firedDoc.GetProperty("runId").GetString()!;
        JsonElement status = await _host.WaitFinishedAsync(runId);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        Assert.Contains("fired", await File.ReadAllTextAsync(marker), StringComparison.Ordinal);
        JsonElement after = Assert.Single((await _host.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray());
        Assert.Equal(runId, after.GetProperty("lastRunId").GetString());
        Assert.Equal(JsonValueKind.String, after.GetProperty("lastFireAt").ValueKind);
        JsonElement run = Assert.Single((await _host.GetJsonAsync("/api/executions")).GetProperty("runs").EnumerateArray(), r => r.GetProperty("runId").GetString() == runId);
        Assert.Equal("schedule:nightly", run.GetProperty("startedBy").GetString());

        using HttpResponseMessage resumed = await admin.PostAsync("/api/schedules/nightly/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False((await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/schedules/nope/run", null)).StatusCode);

        // Operators and viewers may not change schedules.
        foreach (ApiRole role in new[] { ApiRole.Viewer, ApiRole.Operator })
        {
            using HttpClient other = _host.Client(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/api/schedules/nightly/pause", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/api/schedules/nightly/run", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PatchAsJsonAsync("/api/schedules/nightly", new { cron = "* * * * *" })).StatusCode);
        }

        foreach (string action in new[] { "schedule.update", "schedule.pause", "schedule.resume", "schedule.run" })
        {
            Assert.Contains(await _host.AuditAsync(action), e => e.GetProperty("actor").GetString() == "admin");
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Schedule_APausedEverySecondSchedule_DoesNotFire_UntilResumed()
    {
        string marker = Path.Combine(_host.Directory, "tick");
        using HttpClient admin = _host.Client();
        (await admin.PostAsJsonAsync("/api/schedules", new
        {
            name = "tick", cron = "* * * * * *", targetNodeIds = new[] { "t02" }, action = new { type = "command", value = $"echo t >> {marker}" },
        })).EnsureSuccessStatusCode();
        (await admin.PostAsync("/api/schedules/tick/pause", null)).EnsureSuccessStatusCode();
        // A tick that read the schedule before the pause may still fire once: let it start and end, then nothing fires any more.
        await Task.Delay(1000);
        using (var settle = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((await _host.GetJsonAsync("/api/schedules")).GetProperty("schedules")[0].GetProperty("lastResult").GetString() == "running")
            {
                await Task.Delay(100, settle.Token);
            }
        }

        int before = File.Exists(marker) ? (await File.ReadAllLinesAsync(marker)).Length : 0;
        await Task.Delay(3000);
        int still = File.Exists(marker) ? (await File.ReadAllLinesAsync(marker)).Length : 0;
        Assert.Equal(before, still);

        (await admin.PostAsync("/api/schedules/tick/resume", null)).EnsureSuccessStatusCode();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        while (!File.Exists(marker) || (await File.ReadAllLinesAsync(marker, deadline.Token)).Length <= still)
        {
            await Task.Delay(100, deadline.Token);
        }

        (await admin.DeleteAsync("/api/schedules/tick")).EnsureSuccessStatusCode();
    }

    [Fact(Timeout = 60000)]
    public async Task Audit_TimeRange_FiltersByTime_AcceptsDurationsBack_AndRefusesBadTimes()
    {
        string batch = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "true" } });
        await _host.WaitFinishedAsync(batch);
        JsonElement all = await _host.GetJsonAsync($"/api/audit?batchId={batch}");
        JsonElement[] entries = [.. all.GetProperty("entries").EnumerateArray()];
        Assert.NotEmpty(entries);
        DateTimeOffset first = entries[0].GetProperty("timestamp").GetDateTimeOffset();

        string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        JsonElement from = await _host.GetJsonAsync($"/api/audit?batchId={batch}&since={Q(first)}");
        Assert.Equal(entries.Length, from.GetProperty("entries").GetArrayLength());
        JsonElement none = await _host.GetJsonAsync($"/api/audit?batchId={batch}&until={Q(first.AddTicks(-10))}");
        Assert.Equal(0, none.GetProperty("entries").GetArrayLength());
        JsonElement later = await _host.GetJsonAsync($"/api/audit?batchId={batch}&since={Q(DateTimeOffset.UtcNow.AddMinutes(1))}");
        Assert.Equal(0, later.GetProperty("entries").GetArrayLength());
        JsonElement lastHour = await _host.GetJsonAsync($"/api/audit?batchId={batch}&since=1h&until=0s");
        Assert.Equal(entries.Length, lastHour.GetProperty("entries").GetArrayLength());

        using HttpClient viewer = _host.Client(ApiRole.Viewer);
        foreach ((string query, string field) in new[] { ("since=yesterday", "since"), ("until=2026-12-06T10:00:00", "until"), ("since=1h&until=2h", "until") })
        {
            using HttpResponseMessage bad = await viewer.GetAsync("/api/audit?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
    }
}
