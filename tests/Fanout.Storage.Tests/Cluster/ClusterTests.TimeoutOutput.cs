using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task ATargetTimedOutOnAWorker_KeepsItsOutputUpToTheKill_AndHoldsItsSlotUntilThen()
    {
        // As a local run: the timed-out attempt keeps everything the target printed up to the kill — here even the line its
        // TERM trap prints while it is being stopped, which only the worker's final report carries — and at --parallel 1 the
        // second target starts only once the first one is stopped. The timeout leaves each target seconds to reach its `wait`
        // on a loaded machine (3 s was once too short for a target to print its pid line).
        var timeout = TimeSpan.FromSeconds(6);
        await using RunningCluster cluster = await StartClusterAsync(2, "w1");
        (string store, ServeProcess serve) = (cluster.Store, cluster.Serve);
        await WaitForSilosAsync(store, 2);
        string pids = Path.Combine(_dir, "pids");
        string command = $"trap 'echo stopped-line; exit 143' TERM; echo first-line; sleep 0.3; echo last-line-before-timeout; sleep 60 & echo $$ $! >> {pids}; wait";
        string batch = await CreateAsync(serve, new { selector = new { all = true }, action = new { type = "command", value = command }, options = new { parallel = 1, timeout = "6s" } });

        JsonElement done = await WaitForEndAsync(serve, batch);
        string[] started = await File.ReadAllLinesAsync(pids);
        Assert.Equal(2, started.Length);
        foreach (int pid in started.SelectMany(line => line.Split(' ')).Select(int.Parse))
        {
            await Poll.UntilAsync(() => Task.FromResult(Gone(pid)), TimeSpan.FromSeconds(10));
        }

        Assert.Equal("failed", done.GetProperty("status").GetString());
        JsonElement export = await serve.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/export", UriKind.Relative));
        JsonElement[] targets = [.. export.GetProperty("targets").EnumerateArray()];
        Assert.Equal(2, targets.Length);
        foreach (JsonElement target in targets)
        {
            Assert.Equal("timed-out", target.GetProperty("state").GetString());
            Assert.Equal("first-line\nlast-line-before-timeout\nstopped-line\n", target.GetProperty("stdout").GetString());
        }

        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
        TargetAttemptRecord[] rows = [.. (await runs.GetAttemptsAsync(batch, null, CancellationToken.None)).OrderBy(r => r.StartedAt)];
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.Equal((AttemptState.TimedOut, "first-line\nlast-line-before-timeout\nstopped-line\n"), (row.State, row.Stdout)));
        Assert.True(rows[1].StartedAt - rows[0].StartedAt >= timeout, $"started {rows[0].StartedAt:O} and {rows[1].StartedAt:O}");
    }

    /// <summary>Whether <paramref name="pid"/> has exited (a zombie waiting for its parent counts as exited).</summary>
    private static bool Gone(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
