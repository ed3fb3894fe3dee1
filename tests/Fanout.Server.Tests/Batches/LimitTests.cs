using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>Issue 12 items 12, 14–17: size limits (413), capped lists, media types after authorisation, 64-bit paging, small contract slips.</summary>
public sealed class LimitTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 300);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 60000)]
    public async Task OversizedBody_Returns413_LongCommand400_NothingRuns()
    {
        // The client waits for the server's answer to Expect: 100-continue as long as it takes: with HttpClient's default of 1 s, a
        // loaded machine had it send the body anyway, and the server's early 413 broke the pipe under it.
        using var op = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(60) };
        op.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _host.Tokens[ApiRole.Operator]);
        string huge = "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"" + new string('x', 1100 * 1024) + "\"}}";
        string longCommand = "{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"" + new string('x', 300 * 1024) + "\"}}";

        // Expect: 100-continue, as clients send large bodies: the server refuses before the body is sent.
        op.DefaultRequestHeaders.ExpectContinue = true;
        using HttpResponseMessage tooLarge = await op.PostAsync("/api/executions/batch", new StringContent(huge, Encoding.UTF8, "application/json"));
        using HttpResponseMessage tooLong = await op.PostAsync("/api/executions/batch", new StringContent(longCommand, Encoding.UTF8, "application/json"));
        JsonElement problem = JsonDocument.Parse(await tooLarge.Content.ReadAsStringAsync()).RootElement;
        string longText = await tooLong.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1024 * 1024, problem.GetProperty("limit").GetInt64());
        Assert.StartsWith("https://", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("at most 262144 are allowed", longText, StringComparison.Ordinal);
        Assert.True(longText.Length < 2000, "the 400 does not echo the command");
        Assert.Equal(0, (await _host.GetJsonAsync("/api/runs")).GetProperty("runs").GetArrayLength());
    }

    [Fact(Timeout = 60000)]
    public async Task UnknownIds_AreListedUpTo100WithACount_TooManyIdsAreRefusedBeforeLookup()
    {
        using HttpClient op = _host.Client(ApiRole.Operator);
        string[] ghosts = [.. Enumerable.Range(0, 250).Select(i => $"ghost{i:D3}")];
        using HttpResponseMessage unknown = await op.PostAsJsonAsync("/api/executions/batch", new { targetNodeIds = ghosts, action = new { type = "command", value = "true" } });
        using HttpResponseMessage tooMany = await op.PostAsJsonAsync("/api/executions/batch", new { targetNodeIds = Enumerable.Range(0, 1001).Select(i => $"x{i}").ToArray(), action = new { type = "command", value = "true" } });
        string unknownText = await unknown.Content.ReadAsStringAsync();
        JsonElement problem = JsonDocument.Parse(unknownText).RootElement;
        string tooManyText = await tooMany.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(100, problem.GetProperty("unknownNodeIds").GetArrayLength());
        Assert.Equal(250, problem.GetProperty("unknownNodeIdCount").GetInt32());
        Assert.Contains("and 150 more", problem.GetProperty("errors").GetProperty("targetNodeIds")[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ghost200", unknownText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("1001 node ids; at most 1000", tooManyText, StringComparison.Ordinal);
        Assert.DoesNotContain("unknownNodeIds", tooManyText, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task MediaType_IsCheckedAfterTheRole_MissingOrWrongCharsetIs415()
    {
        using HttpClient op = _host.Client(ApiRole.Operator);
        const string body = "{\"name\": \"x\", \"role\": \"viewer\"}";
        using var noType = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"targetNodeIds\": [\"t01\"], \"action\": {\"type\": \"command\", \"value\": \"true\"}}"));
        using HttpResponseMessage missing = await op.PostAsync("/api/executions/batch", noType);
        using HttpResponseMessage latin1 = await op.PostAsync("/api/executions/batch", new StringContent("{}", Encoding.Latin1, "application/json"));
        using HttpResponseMessage textToAdminEndpoint = await op.PostAsync("/api/tokens", new StringContent(body, Encoding.UTF8, "text/plain"));
        using HttpResponseMessage textAsAdmin = await _host.Client().PostAsync("/api/tokens", new StringContent(body, Encoding.UTF8, "text/plain"));
        using HttpResponseMessage utf8 = await _host.Client().PostAsync("/api/tokens", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, missing.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, latin1.StatusCode);
        Assert.Contains("charset", await latin1.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, textToAdminEndpoint.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textAsAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Created, utf8.StatusCode);
    }

    [Fact(Timeout = 60000)]
    public async Task Paging_UsesSixtyFourBitMath_APagePastTheEndIsEmpty()
    {
        JsonElement nodes = await _host.GetJsonAsync("/api/inventory/nodes?page=2147483647&pageSize=1000");
        JsonElement groups = await _host.GetJsonAsync("/api/inventory/groups?page=2147483647");
        JsonElement first = await _host.GetJsonAsync("/api/inventory/nodes?page=1&pageSize=2");

        Assert.Equal(0, nodes.GetProperty("nodes").GetArrayLength());
        Assert.Equal(2147483647, nodes.GetProperty("page").GetInt32());
        Assert.Equal(0, groups.GetProperty("groups").GetArrayLength());
        Assert.Equal(2, first.GetProperty("nodes").GetArrayLength());
    }

    [Fact(Timeout = 60000)]
    public async Task EmptyFilters_MeanNoFilter()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "echo x" } });
        await _host.WaitFinishedAsync(id);

        JsonElement runs = await _host.GetJsonAsync("/api/runs?status=&kind=&name=&limit=");
        JsonElement nodes = await _host.GetJsonAsync("/api/inventory/nodes?search=&tag=&group=&page=&pageSize=");
        JsonElement batch = await _host.GetJsonAsync($"/api/executions/batch/{id}?status=");
        JsonElement logs = await _host.GetJsonAsync($"/api/runs/{id}/logs?target=");

        Assert.Contains(runs.GetProperty("runs").EnumerateArray(), r => r.GetProperty("runId").GetString() == id);
        Assert.Equal(305, nodes.GetProperty("total").GetInt32());
        Assert.Equal(2, batch.GetProperty("executions").GetArrayLength());
        Assert.Equal(2, logs.GetProperty("attempts").GetArrayLength());
    }

    [Fact(Timeout = 60000)]
    public async Task BatchSize_AsAJsonList_IsAccepted()
    {
        string id = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02", "t03" }, action = new { type = "command", value = "true" }, options = new { batchSize = new object[] { 1, "50%" } } });
        JsonElement done = await _host.WaitFinishedAsync(id);
        Assert.Equal("succeeded", done.GetProperty("runStatus").GetString());
    }
}
