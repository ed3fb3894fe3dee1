using System.Net;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Server.Tests.Batches;

/// <summary>
/// Per-batch timing and results (seed 002: each batch's start, end, duration and "Save Results"): the status document's waves carry
/// their start, end and duration from the targets' attempts, and <c>GET /api/runs/{id}/export?wave=N</c> is the run's export with
/// only that wave's targets.
/// </summary>
public sealed class WaveTimesTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 1);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 120000)]
    public async Task Waves_HaveTheirStartEndAndDuration_AndEachWaveExportsAlone()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03", "t04", "t05" },
            action = new { type = "command", value = "sleep 0.6; echo out-$FANOUT_TARGET" },
            options = new { parallel = 2, batchSize = 2 },
        });

        // While wave 1 runs: it has a start and no end yet; the waiting waves have neither.
        JsonElement running = await _host.WaitForAsync(id, s => s.GetProperty("counts").GetProperty("running").GetInt32() > 0);
        JsonElement[] early = [.. running.GetProperty("waves").EnumerateArray()];
        JsonElement first = early.First(w => w.GetProperty("state").GetString() == "running");
        Assert.Equal(JsonValueKind.String, first.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("endedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("durationMs").ValueKind);
        Assert.All(early.Where(w => w.GetProperty("state").GetString() == "pending"), w => Assert.Equal(JsonValueKind.Null, w.GetProperty("startedAt").ValueKind));

        // Ended (read back from the store's attempts): every wave has its times, one after the other, each at least its sleep long.
        await _host.WaitFinishedAsync(id);
        JsonElement end = await _host.GetJsonAsync($"/api/executions/batch/{id}");
        JsonElement[] waves = [.. end.GetProperty("waves").EnumerateArray()];
        Assert.Equal(3, waves.Length);
        DateTimeOffset previousEnd = DateTimeOffset.MinValue;
        foreach (JsonElement w in waves)
        {
            DateTimeOffset started = w.GetProperty("startedAt").GetDateTimeOffset();
            DateTimeOffset ended = w.GetProperty("endedAt").GetDateTimeOffset();
            double ms = w.GetProperty("durationMs").GetDouble();
            Assert.Equal("complete", w.GetProperty("state").GetString());
            Assert.True(started >= previousEnd, $"wave {w.GetProperty("wave")} started {started:O} before the previous one ended {previousEnd:O}");
            Assert.InRange(ms, 600, 30000);
            Assert.Equal((ended - started).TotalMilliseconds, ms, 1.0);
            previousEnd = ended;
        }

        // The targets' own times bound their wave's.
        foreach (JsonElement e in end.GetProperty("executions").EnumerateArray())
        {
            JsonElement w = waves[e.GetProperty("wave").GetInt32() - 1];
            DateTimeOffset s = e.GetProperty("startedAt").GetDateTimeOffset();
            Assert.InRange(s, w.GetProperty("startedAt").GetDateTimeOffset(), w.GetProperty("endedAt").GetDateTimeOffset());
        }

        // One wave's results: the run's export with only its targets (CSV rows identical to the whole run's, JSON counted alone).
        using HttpClient client = _host.Client(ApiRole.Viewer);
        string all = await client.GetStringAsync($"/api/runs/{id}/export?format=csv");
        using HttpResponseMessage csv = await client.GetAsync($"/api/runs/{id}/export?wave=2&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal($"{id}-batch-2.csv", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        string[] allLines = all.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        string[] waveLines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([allLines[0], .. allLines.Where(l => l.StartsWith("t03,", StringComparison.Ordinal) || l.StartsWith("t04,", StringComparison.Ordinal))], waveLines);
        JsonElement json = await _host.GetJsonAsync($"/api/runs/{id}/export?wave=3&format=json");
        Assert.Equal(["t05"], json.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("target").GetString()));
        Assert.Equal("out-t05\n", json.GetProperty("targets")[0].GetProperty("stdout").GetString());
        Assert.Equal((1, 1), (json.GetProperty("summary").GetProperty("total").GetInt32(), json.GetProperty("summary").GetProperty("succeeded").GetInt32()));

        // A wave that is not there, or not a wave at all: 400 naming the parameter; an unknown run: 404.
        foreach (string bad in new[] { "wave=0", "wave=4", "wave=two" })
        {
            using HttpResponseMessage response = await client.GetAsync($"/api/runs/{id}/export?{bad}&format=csv");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("wave", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using HttpResponseMessage unknown = await client.GetAsync("/api/runs/no-such-run/export?wave=1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
