using System.Net;
using System.Text;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>One server for the malformed-request corpus (nothing in it may run).</summary>
public sealed class BadRequestServer : IAsyncLifetime
{
    internal ServerHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ServerHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>SPEC A1/N6: every malformed batch request is a 400 problem naming the wrong field, and nothing runs.</summary>
public sealed class BadRequestTests(BadRequestServer server) : IClassFixture<BadRequestServer>
{
    private const string Touch = "\"action\": {\"type\": \"command\", \"value\": \"touch MARKER\"}";

    public static TheoryData<string, string?, string, string> Corpus { get; } = new()
    {
        // name, body (null = no body), field, part of the message
        { "empty body", "", "body", "not valid JSON" },
        { "truncated JSON", "{\"targetNodeIds\": [\"t01\"", "body", "not valid JSON" },
        { "JSON null", "null", "body", "JSON object" },
        { "JSON array", "[]", "body", "" },
        { "unknown top-level field", "{\"targetNodeIds\": [\"t01\"], \"colour\": 1, " + Touch + "}", "colour", "unknown field" },
        { "unknown option", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"paralel\": 2}}", "options.paralel", "unknown field" },
        { "node ids not a list", "{\"targetNodeIds\": \"t01\", " + Touch + "}", "targetNodeIds", "wrong type" },
        { "parallel not a number", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"parallel\": \"many\"}}", "options.parallel", "wrong type" },
        { "parallel zero", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"parallel\": 0}}", "options.parallel", "at least 1" },
        { "negative retries", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"retries\": -1}}", "options.retries", "between 0 and 100" },
        { "timeout not a duration", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"timeout\": \"soon\"}}", "options.timeout", "not a positive duration" },
        { "timeout zero", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"timeout\": 0}}", "options.timeout", "not a positive duration" },
        { "batch size malformed", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"batchSize\": \"x%\"}}", "options.batchSize", "not a size" },
        { "unknown failure policy", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"failurePolicy\": \"yolo\"}}", "options.failurePolicy", "unknown failure policy" },
        { "fail percent out of range", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"maxFailPercent\": 150}}", "options.maxFailPercent", "between 0 and 100" },
        { "worker labels on a server without a cluster", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"workerLabels\": {\"zone\": \"dmz\"}}}", "options.workerLabels", "not part of a cluster" },
        { "worker label malformed", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"workerLabels\": {\"zone\": \"d m z\"}}}", "options.workerLabels", "label value 'd m z'" },
        { "worker labels empty", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"workerLabels\": {}}}", "options.workerLabels", "is empty" },
        { "worker labels not strings", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"workerLabels\": {\"zone\": 1}}}", "options.workerLabels.zone", "wrong type" },
        { "no action", "{\"targetNodeIds\": [\"t01\"]}", "action", "an action is required" },
        { "unknown action type", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"dance\", \"value\": \"touch MARKER\"}}", "action.type", "unknown action type 'dance'" },
        { "empty action value", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \" \"}}", "action.value", "required" },
        { "unknown task", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"task\", \"value\": \"reboot\"}}", "action.value", "unknown task 'reboot'" },
        { "task without provider", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"task\", \"value\": \"restart\"}}", "action.value", "task 'restart': target 't01' has no lifecycle provider" },
        { "unknown instance action", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"instance\", \"value\": \"explode\"}}", "action.value", "unknown instance action 'explode'" },
        { "instance prompt without text", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"instance\", \"value\": \"prompt\"}}", "action.parameters.text", "non-empty parameters.text" },
        { "instance chain with a bad step", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"instance\", \"value\": \"chain\", \"parameters\": {\"steps\": [\"pause\", \"dance\"]}}}", "action.parameters.steps", "unknown instance step 'dance'" },
        { "instance unknown parameter", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"instance\", \"value\": \"pause\", \"parameters\": {\"force\": true}}}", "action.parameters.force", "unknown parameter 'force'" },
        { "missing workflow file", "{\"action\": {\"type\": \"workflow\", \"value\": \"deploy.yaml\"}}", "action.value", "no workflow file 'deploy.yaml'" },
        { "unknown command parameter", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"touch MARKER\", \"parameters\": {\"env\": \"x\"}}}", "action.parameters.env", "unknown parameter 'env'" },
        { "script name with a path", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"script\", \"value\": \"touch MARKER\", \"parameters\": {\"name\": \"../x.sh\"}}}", "action.parameters.name", "plain file name" },
        { "script args not a list", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"script\", \"value\": \"touch MARKER\", \"parameters\": {\"args\": \"a b\"}}}", "action.parameters.args", "list of strings" },
        { "unknown node ids", "{\"targetNodeIds\": [\"t01\", \"ghost\", \"phantom\"], " + Touch + "}", "targetNodeIds", "unknown node ids: ghost, phantom" },
        { "unknown group ids", "{\"targetGroupIds\": [\"web\", \"nogroup\"], " + Touch + "}", "targetGroupIds", "unknown group ids: nogroup" },
        { "no targets given", "{" + Touch + "}", "targetNodeIds", "no targets" },
        { "empty selector", "{\"selector\": {}, " + Touch + "}", "selector", "selects nothing" },
        { "invalid regex", "{\"selector\": {\"regexes\": [\"t(\"]}, " + Touch + "}", "selector", "--regex 't('" },
        { "selection matches nothing", "{\"selector\": {\"patterns\": [\"zzz*\"]}, " + Touch + "}", "targets", "selects no targets" },
        { "more than 1,000 targets", "{\"targetGroupIds\": [\"big\"], " + Touch + "}", "targets", "1001 targets; at most 1000" },
        { "NUL in the command", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"touch MARKER\\u0000x\"}}", "action.value", "NUL character" },
        { "NUL in a node id", "{\"targetNodeIds\": [\"t01\", \"t0\\u00001\"], " + Touch + "}", "targetNodeIds[1]", "NUL character" },
        { "NUL in a parameter name", "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"touch MARKER\", \"parameters\": {\"sh\\u0000ell\": \"bash\"}}}", "action.parameters.sh\u0000ell", "NUL character" },
        { "NUL in a workflow file name", "{\"action\": {\"type\": \"workflow\", \"value\": \"a\\u0000.yaml\"}}", "action.value", "NUL character" },
        { "timeout past the cap", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"timeout\": \"60d\"}}", "options.timeout", "longer than the largest timeout, 30d" },
        { "timeout in seconds past the cap", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"timeout\": 5000000}}", "options.timeout", "longer than the largest timeout" },
        { "batch size list with a bad entry", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"batchSize\": [1, \"x%\"]}}", "options.batchSize", "not a size" },
        { "batch size object", "{\"targetNodeIds\": [\"t01\"], " + Touch + ", \"options\": {\"batchSize\": {\"n\": 1}}}", "options.batchSize", "not a size" },
    };

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Corpus))]
    public async Task CreateBatch_MalformedRequest_Returns400NamingTheFieldAndRunsNothing(string name, string? body, string field, string message)
    {
        string marker = Path.Combine(server.Host.Directory, "MARKER");
        using HttpClient client = server.Host.Client(ApiRole.Operator);
        client.BaseAddress = server.Host.Address;
        var content = new StringContent((body ?? string.Empty).Replace("MARKER", marker, StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using HttpResponseMessage response = await client.PostAsync("/api/executions/batch", content);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out JsonElement messages), $"{name}: no error for '{field}' in {text}");
        Assert.Contains(message, string.Join(" | ", messages.EnumerateArray().Select(m => m.GetString())), StringComparison.Ordinal);
        Assert.False(File.Exists(marker), $"{name}: something ran");
        JsonElement runs = await server.Host.GetJsonAsync("/api/runs");
        Assert.Equal(0, runs.GetProperty("runs").GetArrayLength());
    }

    [Theory(Timeout = 30000)]
    [InlineData("{\"cron\": \"0 * * * *\", \"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"true\"}, \"options\": {\"timeout\": \"60d\"}}", "options.timeout", "longer than the largest timeout")]
    [InlineData("{\"cron\": \"0 * * * *\", \"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"true\\u0000x\"}}", "action.value", "NUL character")]
    public async Task AddSchedule_DurationPastTheCapOrNul_Returns400LikeABatch(string body, string field, string message)
    {
        // Issue 12 item 14: schedules accepted a timeout above ~49.7 days too; they are validated like a batch.
        using HttpClient admin = server.Host.Client();
        using HttpResponseMessage response = await admin.PostAsync("/api/schedules", new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        string messages = string.Join(" | ", JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty(field).EnumerateArray().Select(m => m.GetString()));
        Assert.Contains(message, messages, StringComparison.Ordinal);
        Assert.Equal(0, (await server.Host.GetJsonAsync("/api/schedules")).GetProperty("schedules").GetArrayLength());
    }

    [Fact(Timeout = 30000)]
    public async Task CreateBatch_NotJsonContentType_Returns415()
    {
        using HttpClient client = server.Host.Client(ApiRole.Operator);
        using HttpResponseMessage response = await client.PostAsync("/api/executions/batch", new StringContent("targetNodeIds=t01", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(Path.Combine(server.Host.Directory, "MARKER")));
    }

    [Fact(Timeout = 30000)]
    public async Task CreateBatch_UnknownIds_ListsThemInTheProblem()
    {
        using HttpClient client = server.Host.Client(ApiRole.Operator);
        using HttpResponseMessage response = await client.PostAsync("/api/executions/batch",
            new StringContent("{\"targetNodeIds\": [\"t01\", \"ghost\"], \"targetGroupIds\": [\"nope\"], " + Touch + "}", Encoding.UTF8, "application/json"));
        JsonElement problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["ghost"], problem.GetProperty("unknownNodeIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["nope"], problem.GetProperty("unknownGroupIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory(Timeout = 30000)]
    [InlineData("/api/runs?kind=bogus")]
    [InlineData("/api/executions?kind=bogus")]
    public async Task Get_UnknownKind_Returns400NamingKindAndTheValidKinds(string path)
    {
        using HttpClient client = server.Host.Client(ApiRole.Viewer);
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        string message = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("kind")[0].GetString()!;
        Assert.Equal("unknown kind 'bogus': expected exec, script, sync, lifecycle, device, noop or workflow", message);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/api/executions/batch/x?page=0", "page")]
    [InlineData("/api/executions/batch/x?pageSize=5000", "pageSize")]
    [InlineData("/api/executions/batch/x?status=done", "status")]
    [InlineData("/api/runs?status=finished", "status")]
    [InlineData("/api/runs?limit=0", "limit")]
    [InlineData("/api/runs/x/export?format=xml", "format")]
    [InlineData("/api/inventory/nodes?pageSize=0", "pageSize")]
    [InlineData("/api/audit?limit=0", "limit")]
    [InlineData("/api/runs?kind=bogus", "kind")]
    [InlineData("/api/executions?kind=bogus", "kind")]
    [InlineData("/api/runs?colour=red", "colour")]
    [InlineData("/api/runs?limit=abc", "limit")]
    [InlineData("/api/runs?limit=1&limit=2", "limit")]
    [InlineData("/api/runs?status=fail%00ed", "status")]
    [InlineData("/api/inventory/nodes?group=nosuch", "group")]
    [InlineData("/api/inventory/nodes?page=2147483648", "page")]
    [InlineData("/api/audit?afterId=x", "afterId")]
    [InlineData("/healthz?verbose=1", "verbose")]
    public async Task Get_BadQuery_Returns400NamingTheParameter(string path, string field)
    {
        using HttpClient client = server.Host.Client(ApiRole.Viewer);
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }
}
