using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Issue 15, coordinator handover with real processes: a batch still waiting in the queue of a killed server moves too, and a
/// server stopped with SIGTERM hands its runs to another coordinating server instead of cancelling them (when there is one).
/// </summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 420000)]
    public async Task QueuedBatch_OfAKilledServer_IsTakenOverAndRunByTheOtherServer()
    {
        string longLog = Path.Combine(_dir, "long.log");
        string queuedLog = Path.Combine(_dir, "queued.log");
        await using RunningCluster cluster = await StartClusterAsync(8, "w1", "w2");
        ServeProcess survivor = cluster.Serve;
        // The server that accepts both runs runs one batch at a time: the second waits in its queue.
        await using ServeProcess accepting = await StartServeAsync(cluster.Store, cluster.Token, cluster.Inventory, "--max-batches", "1");
        await WaitForSilosAsync(cluster.Store, 4);

        string longRun = await CreateAsync(accepting, new
        {
            targetNodeIds = new[] { "t000", "t001" },
            action = new { type = "command", value = $"echo $FANOUT_TARGET >> {longLog}; sleep 60" },
            options = new { parallel = 2 },
        });
        await WaitForLinesAsync(longLog, 2);
        string queued = await CreateAsync(accepting, $"echo $FANOUT_TARGET >> {queuedLog}; sleep 0.2", parallel: 4);

        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        Assert.Equal(RunStatus.Queued, (await runs.GetRunAsync(queued, CancellationToken.None))!.Status);
        await accepting.KillAsync(); // kill -9 while the batch waits in its queue
        Assert.False(File.Exists(queuedLog), "the queued batch had started on the killed server");

        // Nobody resumes it: the other server takes the queued run over and runs it, once, with its whole selection.
        JsonElement done = await WaitForStatusAsync(survivor, queued, "succeeded", TimeSpan.FromSeconds(180));
        Assert.Equal(8, done.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"t{i:000}").ToArray(), File.ReadAllLines(queuedLog).Order().ToArray());
        RunRecord record = (await runs.GetRunAsync(queued, CancellationToken.None))!;
        Assert.Equal(1, record.ResumeCount);
        var latest = (await runs.GetAttemptsAsync(queued, null, CancellationToken.None)).GroupBy(a => a.Target).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        Assert.Equal(8, latest.Count);
        Assert.All(latest, a => Assert.Equal(AttemptState.Succeeded, a.State));

        using HttpResponseMessage audit = await survivor.Client.GetAsync(new Uri("/api/audit?action=run.takeover", UriKind.Relative));
        string auditText = await audit.Content.ReadAsStringAsync();
        Assert.Contains(queued, auditText, StringComparison.Ordinal);
        Assert.Contains(longRun, auditText, StringComparison.Ordinal); // the running one moved too (as before)
    }

    [Fact(Timeout = 420000)]
    public async Task CoordinatingServerStopped_MidRun_HandsItsRunToTheOtherServer_WhichCompletesIt()
    {
        const int parallel = 4;
        string log = Path.Combine(_dir, "starts.log");
        await using RunningCluster cluster = await StartClusterAsync(40, "w1", "w2");
        await using ServeProcess other = await StartServeAsync(cluster.Store, cluster.Token, cluster.Inventory);
        await WaitForSilosAsync(cluster.Store, 4);

        string run = await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET start >> {log}; sleep 0.3; echo $FANOUT_TARGET end >> {log}", parallel);
        await WaitForLinesAsync(log, 12);
        int? exit = await cluster.Serve.StopAsync(TimeSpan.FromSeconds(90)); // SIGTERM mid-run
        Assert.Equal(0, exit);
        Assert.Contains($"Batch {run} is handed over because the server is stopping", await cluster.Serve.Stdout, StringComparison.Ordinal);

        // Not cancelled: the other server takes the run over by itself and completes it.
        JsonElement done = await WaitForStatusAsync(other, run, "succeeded", TimeSpan.FromSeconds(180));
        Assert.Equal(40, done.GetProperty("counts").GetProperty("succeeded").GetInt32());
        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        RunRecord record = (await runs.GetRunAsync(run, CancellationToken.None))!;
        Assert.Equal(1, record.ResumeCount);
        IReadOnlyList<TargetAttemptRecord> attempts = await runs.GetAttemptsAsync(run, null, CancellationToken.None);
        var latest = attempts.GroupBy(a => a.Target).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        Assert.Equal(40, latest.Count);
        Assert.All(latest, a => Assert.Equal(AttemptState.Succeeded, a.State));

        // Completed targets did not run again; what was running (at most --parallel) ran once more.
        var starts = File.ReadAllLines(log).Select(l => l.Split(' ')).Where(l => l[1] == "start").GroupBy(l => l[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(40, starts.Count);
        Assert.All(starts.Values, n => Assert.InRange(n, 1, 2));
        Assert.InRange(starts.Values.Count(n => n == 2), 0, parallel);
        var completedFirst = attempts.Where(a => a.Attempt == 1 && a.State == AttemptState.Succeeded).Select(a => a.Target).ToList();
        Assert.NotEmpty(completedFirst);
        Assert.All(completedFirst, t => Assert.Equal(1, starts[t]));

        using HttpResponseMessage audit = await other.Client.GetAsync(new Uri("/api/audit?action=run.takeover", UriKind.Relative));
        Assert.Contains(run, await audit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage finished = await other.Client.GetAsync(new Uri("/api/audit?action=batch.finish", UriKind.Relative));
        Assert.Contains("interrupted", await finished.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the first server's end of it
    }

    [Fact(Timeout = 300000)]
    public async Task CoordinatingServerStopped_WithNoOtherCoordinator_CancelsItsRun_Resumable()
    {
        string log = Path.Combine(_dir, "starts.log");
        await using RunningCluster cluster = await StartClusterAsync(8, "w1");
        await WaitForSilosAsync(cluster.Store, 2);

        string run = await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET >> {log}; sleep 60", parallel: 4);
        await WaitForLinesAsync(log, 4);
        Assert.Equal(0, await cluster.Serve.StopAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains($"Batch {run} cannot be handed over: no other server of the cluster coordinates runs", await cluster.Serve.Stdout, StringComparison.Ordinal);

        // As a single server: the run is cancelled (not interrupted), so no server takes it over; `fanout resume` continues it.
        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        RunRecord record = (await runs.GetRunAsync(run, CancellationToken.None))!;
        Assert.Equal(RunStatus.Cancelled, record.Status);
        Assert.Equal("cancelled: the server is shutting down", record.StopReason);
        Assert.Equal(0, record.ResumeCount);
    }
}
