using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary><c>POST /api/schedules</c> adds every kind <c>fanout schedule add</c> makes; a wrong field is a 400 naming it and adds nothing.</summary>
public sealed class ScheduleKindsApiTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 0);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> AddAsync(object body)
    {
        using HttpClient admin = _host.Client(ApiRole.Admin);
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/schedules", body);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Theory(Timeout = 60000)]
    [InlineData("sync-outside", "action.value")]
    [InlineData("sync-missing", "action.value")]
    [InlineData("sync-no-destination", "action.parameters.destination")]
    [InlineData("sync-relative-destination", "action.parameters.destination")]
    [InlineData("workflow-with-targets", "action.type")]
    [InlineData("workflow-bad-parameter", "action.parameters.version")]
    [InlineData("workflow-missing", "action.value")]
    [InlineData("environment-on-command", "environment")]
    public async Task ABadSchedule_Is400NamingTheField_AndAddsNothing(string shape, string field)
    {
        WriteWorkflow();
        object action = shape switch
        {
            "sync-outside" => new { type = "sync", value = "../inventory.yaml", parameters = new { destination = "/tmp/x" } },
            "sync-missing" => new { type = "sync", value = "nothing-here", parameters = new { destination = "/tmp/x" } },
            "sync-no-destination" => new { type = "sync", value = "app.conf", parameters = new { delete = true } },
            "sync-relative-destination" => new { type = "sync", value = "app.conf", parameters = new { destination = "tmp/x" } },
            "workflow-with-targets" or "workflow-missing" or "workflow-bad-parameter" => new
            {
                type = "workflow",
                value = shape == "workflow-missing" ? "nope.yaml" : "nightly.yaml",
                parameters = new Dictionary<string, object> { ["version"] = shape == "workflow-bad-parameter" ? "x" : "1.2" },
            },
            _ => new { type = "command", value = "true" },
        };
        bool targets = !shape.StartsWith("workflow", StringComparison.Ordinal) || shape == "workflow-with-targets";
        object body = targets
            ? (object)new { name = "bad", cron = "0 1 * * *", targetNodeIds = new[] { "t01" }, action, environment = shape == "environment-on-command" ? "prod" : null }
            : (object)new { name = "bad", cron = "0 1 * * *", action };
        (HttpStatusCode status, JsonElement problem) = await AddAsync(body);
        Assert.True(status == HttpStatusCode.BadRequest, problem.GetRawText());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Empty((await _host.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray());
    }

    [Fact(Timeout = 90000)]
    public async Task WorkflowSyncAndScriptSchedules_AreAdded_AndRunNowRunsThem()
    {
        string seen = WriteWorkflow();
        string pushed = Path.Combine(_host.Directory, "pushed.conf");
        string scripted = Path.Combine(_host.Directory, "scripted");
        (HttpStatusCode s1, JsonElement wf) = await AddAsync(new { name = "wf", cron = "0 1 * * *", action = new { type = "workflow", value = "nightly.yaml", parameters = new { version = "2.7" } } });
        Assert.True(s1 == HttpStatusCode.Created, wf.GetRawText());
        Assert.Equal("workflow", wf.GetProperty("kind").GetString());
        (HttpStatusCode s2, JsonElement sync) = await AddAsync(new
        {
            name = "push", cron = "0 1 * * *", targetNodeIds = new[] { "t02" },
            action = new { type = "sync", value = "app.conf", parameters = new { destination = pushed } },
        });
        Assert.True(s2 == HttpStatusCode.Created, sync.GetRawText());
        Assert.Equal("sync", sync.GetProperty("kind").GetString());
        (HttpStatusCode s3, JsonElement script) = await AddAsync(new
        {
            name = "scr", cron = "0 1 * * *", targetNodeIds = new[] { "t03" }, options = new { parallel = 1, timeout = "20s" },
            action = new { type = "script", value = $"echo \"$1\" > {scripted}", parameters = new { args = new[] { "arg-one" } } },
        });
        Assert.True(s3 == HttpStatusCode.Created, script.GetRawText());

        using HttpClient admin = _host.Client(ApiRole.Admin);
        foreach (string name in new[] { "wf", "push", "scr" })
        {
            using HttpResponseMessage fired = await admin.PostAsync($"/api/schedules/{name}/run", null);
            Assert.True(fired.StatusCode == HttpStatusCode.Accepted, await fired.Content.ReadAsStringAsync());
        }

        Assert.Equal("2.7 t01", await ServerHost.WaitForFileAsync(seen));
        Assert.Equal("setting=1", await ServerHost.WaitForFileAsync(pushed));
        Assert.Equal("arg-one", await ServerHost.WaitForFileAsync(scripted));
        Assert.Contains(await _host.AuditAsync("schedule.add"), e => e.GetProperty("detail").GetString()!.Contains("workflow: nightly", StringComparison.Ordinal));
    }

    /// <summary>workflows/nightly.yaml (writes its version and target into the returned file) and workflows/app.conf.</summary>
    private string WriteWorkflow()
    {
        string dir = Path.Combine(_host.Directory, "workflows");
        Directory.CreateDirectory(dir);
        string seen = Path.Combine(_host.Directory, "nightly.seen");
        File.WriteAllText(Path.Combine(dir, "nightly.yaml"), $$$"""
            name: nightly
            parameters:
              - {name: version, required: true, validation: {pattern: '^[0-9]+[.][0-9]+$'}}
            steps:
              - name: write
                targets: {pattern: t01}
                command: echo {{ .version }} {{ .target.name }} > {{{seen}}}
            """);
        File.WriteAllText(Path.Combine(dir, "app.conf"), "setting=1\n");
        return seen;
    }
}
