using System.Net;
using System.Text;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Runs;

/// <summary><c>GET /api/runs/{id}/targets/{target}/output</c>: a running target's output live from an offset, the recorded text once it ended.</summary>
public sealed class TargetOutputTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 1);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<JsonElement> ReadAsync(string id, string target, string stream, long offset) =>
        _host.GetJsonAsync($"/api/runs/{id}/targets/{target}/output?stream={stream}&offset={offset}");

    [Fact(Timeout = 120000)]
    public async Task ARunningTargetIsFollowedFromItsOffset_ThenTheRecordedTextIsServed()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01" },
            action = new { type = "command", value = "echo first; echo 'é-err' >&2; sleep 6; echo second" },
        });

        // Follow stdout as a client does: from `next` until `done`.
        var text = new StringBuilder();
        long next = 0;
        bool sawFirstAlone = false;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            JsonElement part = await ReadAsync(id, "t01", "stdout", next);
            Assert.Equal(next, part.GetProperty("offset").GetInt64());
            text.Append(part.GetProperty("text").GetString());
            next = part.GetProperty("next").GetInt64();
            if (text.ToString() == "first\n" && !part.GetProperty("done").GetBoolean())
            {
                sawFirstAlone = true;
                Assert.Equal("live", part.GetProperty("source").GetString());
                Assert.Equal(1, part.GetProperty("attempt").GetInt32());
            }

            if (part.GetProperty("done").GetBoolean())
            {
                break;
            }

            await Task.Delay(100, deadline.Token);
        }

        Assert.True(sawFirstAlone, "the first line was never seen before the target had finished");
        Assert.Equal("first\nsecond\n", text.ToString());
        Assert.Equal(Encoding.UTF8.GetByteCount("first\nsecond\n"), next);

        // Once finished: the recorded attempt, from any offset (bytes), stderr too.
        await _host.WaitFinishedAsync(id);
        JsonElement stored = await ReadAsync(id, "t01", "stdout", 6);
        Assert.Equal(("stored", "second\n", true, 13L), (stored.GetProperty("source").GetString(), stored.GetProperty("text").GetString(), stored.GetProperty("done").GetBoolean(),
            stored.GetProperty("next").GetInt64()));
        JsonElement err = await ReadAsync(id, "t01", "stderr", 0);
        Assert.Equal("é-err\n", err.GetProperty("text").GetString());

        // Bad input is a 400 naming the parameter; unknown runs are 404.
        using HttpClient client = _host.Client(ApiRole.Viewer);
        using HttpResponseMessage badStream = await client.GetAsync($"/api/runs/{id}/targets/t01/output?stream=stdin");
        using HttpResponseMessage badOffset = await client.GetAsync($"/api/runs/{id}/targets/t01/output?offset=-1");
        using HttpResponseMessage unknown = await client.GetAsync("/api/runs/nope/targets/t01/output");
        Assert.Equal(HttpStatusCode.BadRequest, badStream.StatusCode);
        Assert.Contains("\"stream\"", await badStream.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badOffset.StatusCode);
        Assert.Contains("\"offset\"", await badOffset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
