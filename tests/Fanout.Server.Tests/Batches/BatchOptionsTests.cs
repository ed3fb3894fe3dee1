using System.Net.Http.Json;
using System.Text.Json;

namespace Fanout.Server.Tests.Batches;

/// <summary>
/// The batch options the CLI's run options have (<c>--batch-wait</c>, <c>--overall-timeout</c>, <c>--retry-delay</c>, <c>--backoff</c>,
/// <c>--jitter</c>, <c>--retry-on-exit-codes</c>, <c>--rollback</c>) through <c>POST /api/executions/batch</c>: each is honoured by the
/// real run (local processes), and a bad value is a 400 naming its field with nothing run.
/// </summary>
public sealed class BatchOptionsTests : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 0);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 90000)]
    public async Task BatchWait_PausesBetweenWaves_Wave2StartsAtLeastTheWaitAfterWave1Ended()
    {
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03", "t04" },
            action = new { type = "command", value = "sleep 0.2" },
            options = new { parallel = 4, batchSize = 2, batchWait = "3s" },
        });

        JsonElement status = await _host.WaitFinishedAsync(id);
        Assert.Equal("succeeded", status.GetProperty("runStatus").GetString());
        JsonElement[] rows = [.. status.GetProperty("executions").EnumerateArray()];
        Assert.Equal(4, rows.Length);
        DateTimeOffset wave1End = rows.Where(r => r.GetProperty("wave").GetInt32() == 1)
            .Max(r => r.GetProperty("startedAt").GetDateTimeOffset().AddMilliseconds(r.GetProperty("durationMs").GetDouble()));
        DateTimeOffset wave2Start = rows.Where(r => r.GetProperty("wave").GetInt32() == 2).Min(r => r.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(2, rows.Count(r => r.GetProperty("wave").GetInt32() == 2));
        // Recorded times: the second wave starts no sooner than 3 s after the first one's last target ended (10 ms for rounding).
        Assert.True(wave2Start - wave1End >= TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(10), $"wave 2 started {(wave2Start - wave1End).TotalMilliseconds} ms after wave 1 ended");

        // The recorded definition keeps the wait (a retry or a schedule of this run pauses the same way).
        Assert.Equal(3000, (await RecordedOptionAsync(id, "batchWaitMs")).GetDouble());
    }

    [Theory(Timeout = 60000)]
    [InlineData("{\"batchWait\": \"soon\"}", "options.batchWait")]
    [InlineData("{\"batchWait\": -1}", "options.batchWait")]
    [InlineData("{\"batchWait\": \"31d\"}", "options.batchWait")]
    [InlineData("{\"overallTimeout\": 0}", "options.overallTimeout")]
    [InlineData("{\"retryDelay\": \"x\"}", "options.retryDelay")]
    [InlineData("{\"backoff\": \"random\"}", "options.backoff")]
    [InlineData("{\"retryOnExitCodes\": [75, 300]}", "options.retryOnExitCodes")]
    [InlineData("{\"rollback\": \"echo undo\"}", "options.rollback")]
    [InlineData("{\"failurePolicy\": \"atomic\", \"rollback\": \" \"}", "options.rollback")]
    [InlineData("{\"failurePolicy\": \"atomic\"}", "options.failurePolicy")]
    public async Task ABadOption_Is400NamingItsField_AndNothingRuns(string options, string field)
    {
        string marker = Path.Combine(_host.Directory, $"ran-{Guid.NewGuid():N}");
        await _host.AssertBatchRefusedAsync($"{{\"targetNodeIds\": [\"t01\"], \"action\": {{\"type\": \"command\", \"value\": \"touch {marker}\"}}, \"options\": {options}}}", field, marker);
    }

    [Fact(Timeout = 90000)]
    public async Task RetryOnExitCodes_RetriesOnlyThoseCodes_WithTheRetryDelay()
    {
        // t01 exits 75 (transient: retried twice), t02 exits 3 (not in the list: one attempt only).
        string id = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02" },
            action = new { type = "command", value = "[ $FANOUT_TARGET = t01 ] && exit 75; exit 3" },
            options = new { retries = 2, retryOnExitCodes = new[] { 75 }, retryDelay = "1s", backoff = "linear", jitter = false },
        });

        JsonElement status = await _host.WaitFinishedAsync(id);
        Dictionary<string, int> attempts = status.GetProperty("executions").EnumerateArray()
            .ToDictionary(e => e.GetProperty("nodeId").GetString()!, e => e.GetProperty("attempts").GetInt32());
        Assert.Equal(3, attempts["t01"]);
        Assert.Equal(1, attempts["t02"]);
        Assert.Equal(1000, (await RecordedOptionAsync(id, "retryDelayMs")).GetDouble());
        Assert.Equal("Linear", (await RecordedOptionAsync(id, "backoff")).GetString(), ignoreCase: true);
    }

    [Fact(Timeout = 90000)]
    public async Task OverallTimeout_EndsTheRun_AndAtomicWithRollback_UndoesTheSucceededTargets()
    {
        var started = DateTimeOffset.UtcNow;
        string slow = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01" },
            action = new { type = "command", value = "sleep 60" },
            options = new { overallTimeout = 2 },
        });
        JsonElement slowStatus = await _host.WaitFinishedAsync(slow);
        Assert.NotEqual("succeeded", slowStatus.GetProperty("runStatus").GetString());
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(40), "the overall timeout did not end the run");

        string undone = Path.Combine(_host.Directory, "undone");
        string atomic = await _host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02" },
            action = new { type = "command", value = "[ $FANOUT_TARGET = t01 ]" },
            options = new { failurePolicy = "atomic", rollback = $"echo $FANOUT_TARGET >> {undone}" },
        });
        JsonElement atomicStatus = await _host.WaitFinishedAsync(atomic);
        Assert.Equal("failed", atomicStatus.GetProperty("runStatus").GetString());
        Assert.Equal(["t01"], File.ReadAllLines(undone));
    }

    /// <summary>An option of the run's recorded definition in the store (what resume, retry and schedules run with).</summary>
    private async Task<JsonElement> RecordedOptionAsync(string runId, string name)
    {
        Fanout.Runs.RunRecord? run = await _host.Store.GetRunAsync(runId, CancellationToken.None);
        Assert.NotNull(run?.Options);
        JsonElement options = JsonDocument.Parse(run.Options).RootElement;
        return options.EnumerateObject().Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value.Clone();
    }
}
