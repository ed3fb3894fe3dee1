using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task ATargetRunningOnAWorker_ShowsItsOutputWhileItRuns_LiveOnItsCoordinator_AndInItsAttemptRow()
    {
        // The worker forwards what the target prints (interim reports, about once a second) to the coordinator — this api-only
        // server — whose output endpoint serves it live and whose recorder writes it into the running attempt's row, where any
        // other server instance reads it (source "partial").
        await using RunningCluster cluster = await StartClusterAsync(1, "w1");
        (string store, ServeProcess serve) = (cluster.Store, cluster.Serve);
        await WaitForSilosAsync(store, 2);
        string release = Path.Combine(_dir, "release");
        string batch = await CreateAsync(serve, $"echo first-on-$FANOUT_TEST_WORKER; echo err-line >&2; while [ ! -e {release} ]; do sleep 0.2; done; echo second", parallel: 1);

        JsonElement live = await UntilAsync(serve, batch, "stdout", doc => doc.GetProperty("text").GetString() == "first-on-w1\n");
        Assert.Equal("live", live.GetProperty("source").GetString());
        Assert.False(live.GetProperty("done").GetBoolean());

        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
        TargetAttemptRecord? row = null;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (row?.Stdout is null || row.Stderr is null)
            {
                await Task.Delay(200, deadline.Token);
                row = (await runs.GetAttemptsAsync(batch, null, deadline.Token)).Single();
            }
        }

        Assert.False(File.Exists(release));
        Assert.Equal((AttemptState.Running, "first-on-w1\n", "err-line\n"), (row.State, row.Stdout, row.Stderr));

        await File.WriteAllTextAsync(release, "");
        JsonElement done = await WaitForEndAsync(serve, batch);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        JsonElement stored = await UntilAsync(serve, batch, "stdout", doc => doc.GetProperty("source").GetString() == "stored");
        Assert.Equal("first-on-w1\nsecond\n", stored.GetProperty("text").GetString()); // forwarded bytes are not repeated by the final report
        TargetAttemptRecord final = (await runs.GetAttemptsAsync(batch, null, CancellationToken.None)).Single();
        Assert.Equal((AttemptState.Succeeded, "first-on-w1\nsecond\n", "err-line\n"), (final.State, final.Stdout, final.Stderr));
    }

    private static async Task<JsonElement> UntilAsync(ServeProcess serve, string batch, string stream, Func<JsonElement, bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            JsonElement doc = await serve.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/targets/t000/output?stream={stream}", UriKind.Relative), deadline.Token);
            if (condition(doc))
            {
                return doc;
            }

            await Task.Delay(200, deadline.Token);
        }
    }
}
