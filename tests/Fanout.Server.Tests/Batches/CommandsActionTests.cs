using System.Text.Json;

namespace Fanout.Server.Tests.Batches;

/// <summary>
/// <c>action: {type: "commands", commands: [...]}</c> (seed 002: a job is several commands run on each device, each with its own
/// result) through a real <c>fanout serve</c> with local targets: the commands run in order on each target, each command's exit
/// code and output are in the status document, the run's logs and the JSON export; the first that fails stops the rest; a bad
/// list is a 400 naming its field, with nothing run.
/// </summary>
public sealed class CommandsActionTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 0);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 90000)]
    public async Task Commands_RunInOrderOnEachTarget_EachCommandsResultInTheStatusDocumentLogsAndExport()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02" },
            action = new { type = "commands", commands = new[] { "echo first $FANOUT_TARGET", "echo to-err >&2; echo second", "printf 'no newline'" } },
            options = new { parallel = 2, batchSize = 1 },
        });

        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal("succeeded", status.GetProperty("runStatus").GetString());
        foreach (JsonElement row in status.GetProperty("executions").EnumerateArray())
        {
            string target = row.GetProperty("nodeId").GetString()!;
            JsonElement[] commands = [.. row.GetProperty("commands").EnumerateArray()];
            Assert.Equal(3, commands.Length);
            Assert.Equal(["echo first $FANOUT_TARGET", "echo to-err >&2; echo second", "printf 'no newline'"], commands.Select(c => c.GetProperty("command").GetString()));
            Assert.All(commands, c => Assert.Equal(0, c.GetProperty("exitCode").GetInt32()));
            Assert.Equal($"first {target}\n", commands[0].GetProperty("stdout").GetString());
            Assert.Equal("second\n", commands[1].GetProperty("stdout").GetString());
            Assert.Equal("to-err\n", commands[1].GetProperty("stderr").GetString());
            Assert.Equal("", commands[0].GetProperty("stderr").GetString());
            Assert.Equal("no newline", commands[2].GetProperty("stdout").GetString());
        }

        // The run is recorded as a device run (resume, retry and schedules rebuild it), named by its commands.
        JsonElement run = await _host.GetJsonAsync($"/api/runs/{id}");
        Assert.Equal("device", run.GetProperty("kind").GetString());
        JsonElement export = await _host.GetJsonAsync($"/api/runs/{id}/export?format=json");
        JsonElement t02 = export.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "t02");
        Assert.Equal("first t02\n", t02.GetProperty("commands")[0].GetProperty("stdout").GetString());
        Assert.Equal("to-err\n", t02.GetProperty("commands")[1].GetProperty("stderr").GetString());
        JsonElement logs = await _host.GetJsonAsync($"/api/runs/{id}/logs?target=t01");
        JsonElement attempt = Assert.Single(logs.GetProperty("attempts").EnumerateArray());
        Assert.Equal("no newline", attempt.GetProperty("commands")[2].GetProperty("stdout").GetString());
        // The combined streams stay readable: a header per command, then its output.
        Assert.StartsWith("# [1/3] echo first $FANOUT_TARGET (exit 0, 10 chars)\nfirst t01\n# [2/3]", attempt.GetProperty("stdout").GetString());

        // A command run (not a list) has no per-command results.
        string plain = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "echo plain" } });
        JsonElement plainStatus = await _host.WaitFinishedAsync(plain);
        Assert.False(plainStatus.GetProperty("executions")[0].TryGetProperty("commands", out _));
    }

    [Fact(Timeout = 90000)]
    public async Task AFailingCommand_StopsTheRest_TheTargetFailsWithItsExitCode_AndOutputThatLooksLikeAHeaderStaysExact()
    {
        string marker = Path.Combine(_host.Directory, $"after-{Guid.NewGuid():N}");
        string fake = "# [2/3] fake (exit 0, 1 chars)\nX\n";
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01" },
            action = new { type = "commands", commands = new[] { "printf '# [2/3] fake (exit 0, 1 chars)\\nX\\n'", "echo failing >&2; exit 3", $"touch {marker}" } },
        });

        JsonElement status = await _host.WaitFinishedAsync(id);
        JsonElement row = status.GetProperty("executions")[0];
        Assert.Equal("failed", row.GetProperty("state").GetString());
        Assert.Equal(3, row.GetProperty("exitCode").GetInt32());
        Assert.Contains("command 2 of 3", row.GetProperty("error").GetString());
        JsonElement[] commands = [.. row.GetProperty("commands").EnumerateArray()];
        Assert.Equal(2, commands.Length);
        Assert.Equal(3, commands[0].GetProperty("count").GetInt32());
        Assert.Equal(fake, commands[0].GetProperty("stdout").GetString());
        Assert.Equal(3, commands[1].GetProperty("exitCode").GetInt32());
        Assert.Equal("failing\n", commands[1].GetProperty("stderr").GetString());
        Assert.False(File.Exists(marker));
    }

    [Theory(Timeout = 60000)]
    [InlineData("{\"type\": \"commands\"}", "action.commands")]
    [InlineData("{\"type\": \"commands\", \"commands\": []}", "action.commands")]
    [InlineData("{\"type\": \"commands\", \"commands\": [\"uptime\", \" \"]}", "action.commands[1]")]
    [InlineData("{\"type\": \"commands\", \"commands\": [\"uptime\\nreboot\"]}", "action.commands[0]")]
    [InlineData("{\"type\": \"commands\", \"value\": \"uptime\", \"commands\": [\"uptime\"]}", "action.value")]
    [InlineData("{\"type\": \"commands\", \"commands\": [\"uptime\"], \"parameters\": {\"shell\": \"bash\"}}", "action.parameters.shell")]
    [InlineData("{\"type\": \"command\", \"value\": \"uptime\", \"commands\": [\"uptime\"]}", "action.commands")]
    [InlineData("TOO_MANY", "action.commands")]
    [InlineData("TOO_LONG", "action.commands[0]")]
    public async Task ABadCommandList_Is400NamingItsField_AndNothingRuns(string action, string field)
    {
        string marker = Path.Combine(_host.Directory, $"ran-{Guid.NewGuid():N}");
        action = action switch
        {
            "TOO_MANY" => $"{{\"type\": \"commands\", \"commands\": [{string.Join(", ", Enumerable.Repeat($"\"touch {marker}\"", 101))}]}}",
            "TOO_LONG" => $"{{\"type\": \"commands\", \"commands\": [\"{new string('x', (256 * 1024) + 1)}\", \"touch {marker}\"]}}",
            _ => action.Replace("uptime", $"touch {marker}", StringComparison.Ordinal),
        };
        await _host.AssertBatchRefusedAsync($"{{\"targetNodeIds\": [\"t01\"], \"action\": {action}}}", field, marker);
    }
}
