using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>The <c>noop</c> action (issue 15): a run that does nothing on its targets, through the real server.</summary>
public sealed class NoopActionTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    // A target nothing listens for: any real action on it is unreachable; a noop never opens its session.
    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 200, extraTargets: "  nowhere: { transport: ssh, host: 127.0.0.1, port: 1 }\n");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 60000)]
    public async Task Noop_OverEveryTarget_SucceedsOnEachWithoutContactingAnyAndIsRecordedAsKindNoop()
    {
        string id = await _host.CreateBatchAsync(new
        {
            selector = new { all = true },
            action = new { type = "noop" },
            options = new { parallel = 16 },
        });

        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        Assert.Equal(206, status.GetProperty("total").GetInt32()); // t01–t05, n0000–n0199, nowhere
        JsonElement[] executions = [.. status.GetProperty("executions").EnumerateArray()];
        Assert.Equal(206, executions.Length);
        Assert.All(executions, e => Assert.Equal("succeeded", e.GetProperty("state").GetString()));
        Assert.Contains(executions, e => e.GetProperty("nodeId").GetString() == "nowhere");

        JsonElement listed = Assert.Single((await _host.GetJsonAsync("/api/executions?kind=noop")).GetProperty("runs").EnumerateArray());
        Assert.Equal(id, listed.GetProperty("runId").GetString());
        Assert.Equal("noop", listed.GetProperty("name").GetString());

        // The same unreachable target under a real action fails: the noop's success above is not the target's.
        string command = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "nowhere" }, action = new { type = "command", value = "true" }, options = new { timeout = "10s" } });
        JsonElement failed = await _host.WaitFinishedAsync(command);
        Assert.NotEqual("succeeded", failed.GetProperty("status").GetString());
    }

    [Theory(Timeout = 30000)]
    [InlineData("{\"type\":\"noop\",\"value\":\"x\"}", "action.value", "a noop action takes no value")]
    [InlineData("{\"type\":\"noop\",\"parameters\":{\"shell\":\"bash\"}}", "action.parameters.shell", "this action takes no parameters")]
    public async Task Noop_WithValueOrParameter_Is400NamingTheFieldAndRunsNothing(string action, string field, string message)
    {
        using HttpClient op = _host.Client(ApiRole.Operator);
        using var body = new StringContent($"{{\"selector\":{{\"all\":true}},\"action\":{action}}}", System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await op.PostAsync("/api/executions/batch", body);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty(field).GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, (await _host.GetJsonAsync("/api/executions")).GetProperty("total").GetInt32());
    }
}
