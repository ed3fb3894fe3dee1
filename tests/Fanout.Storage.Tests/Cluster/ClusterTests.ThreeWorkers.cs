using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Issue 15 with three real <c>fanout worker</c> processes: cancellation reaching every worker, and a resume after everything died.</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task CancelFromTheApi_StopsTheTargetProcessesOnEveryWorker()
    {
        string log = Path.Combine(_dir, "starts.log");
        await using RunningCluster cluster = await StartClusterAsync(12, "w1", "w2", "w3");
        await WaitForSilosAsync(cluster.Store, 4);

        // Each target logs its shell's pid and sleeps two minutes; the touch after the sleep must never happen.
        string batch = await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET $FANOUT_TEST_WORKER $$ >> {log}; sleep 120; touch {_dir}/finished-$FANOUT_TARGET", parallel: 12);
        await WaitForLinesAsync(log, 12);
        string[][] started = File.ReadAllLines(log).Select(l => l.Split(' ')).ToArray();
        Assert.Equal(["w1", "w2", "w3"], started.Select(l => l[1]).Distinct().Order()); // every worker runs some of them

        using HttpResponseMessage cancel = await cluster.Serve.Client.PostAsync(new Uri($"/api/executions/batch/{batch}/cancel", UriKind.Relative), null);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        JsonElement done = await WaitForEndAsync(cluster.Serve, batch);
        Assert.Equal("cancelled", done.GetProperty("status").GetString());

        // The cancellation travelled to every worker: each target's shell (and its sleep, in the same process group) is gone.
        int[] pids = started.Select(l => int.Parse(l[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (pids.Any(p => Directory.Exists($"/proc/{p}")))
            {
                await Task.Delay(200, deadline.Token);
            }
        }

        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> attempts = await runs.GetAttemptsAsync(batch, null, CancellationToken.None);
        Assert.Equal(12, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(AttemptState.Cancelled, a.State));
        Assert.Empty(Directory.GetFiles(_dir, "finished-*"));
        Assert.All(cluster.Workers, w => Assert.False(w.HasExited)); // the workers themselves keep serving
    }

    [Fact(Timeout = 420000)]
    public async Task EverythingKilled9_ThenApiResumeOnANewCluster_CompletesWithoutRerunningCompletedTargets()
    {
        string log = Path.Combine(_dir, "starts.log");
        string hold = Path.Combine(_dir, "hold");
        File.WriteAllText(hold, "");
        string store, token, inventory, batch;
        HashSet<string> completedBefore;
        await using (RunningCluster cluster = await StartClusterAsync(24, "w1", "w2", "w3"))
        {
            (store, token, inventory) = (cluster.Store, cluster.Token, cluster.Inventory);
            await WaitForSilosAsync(store, 4);

            // t000..t005 end at once; every other target waits while the hold file exists. At --parallel 6 the first wave
            // completes and the second one is running when everything dies.
            batch = await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET $FANOUT_TEST_WORKER >> {log}; case $FANOUT_TARGET in t00[0-5]) ;; *) while [ -e {hold} ]; do sleep 0.2; done;; esac; echo done-$FANOUT_TARGET", parallel: 6);
            await WaitForLinesAsync(log, 12);
            await using (IRunStore before = await StoreFactory.OpenAsync(store, CancellationToken.None))
            {
                completedBefore = (await before.GetAttemptsAsync(batch, null, CancellationToken.None))
                    .Where(a => a.State == AttemptState.Succeeded).Select(a => a.Target).ToHashSet(StringComparer.Ordinal);
            }

            Assert.Equal(6, completedBefore.Count);
            await cluster.Serve.KillAsync();
            foreach (WorkerProcess worker in cluster.Workers)
            {
                worker.Kill9();
            }

            File.Delete(hold); // the killed workers' orphaned target shells end now (they already logged their start)
        }

        // A whole new cluster on the same store: the old silos are still listed active until the new ones vote them dead.
        await using WorkerProcess n1 = await WorkerProcess.StartAsync(_dir, store, "n1");
        await using WorkerProcess n2 = await WorkerProcess.StartAsync(_dir, store, "n2");
        await using WorkerProcess n3 = await WorkerProcess.StartAsync(_dir, store, "n3");
        await using ServeProcess serve = await StartServeAsync(store, token, inventory);

        // The new server takes the run over by itself once the new silos have voted the old coordinator dead (its coordinator
        // grain's reminder survived in the store); an operator's resume meanwhile is accepted, or refused because it already moved.
        using HttpResponseMessage resume = await serve.Client.PostAsync(new Uri($"/api/runs/{batch}/resume", UriKind.Relative), null);
        string resumeBody = await resume.Content.ReadAsStringAsync();
        // The 409 reads "is still queued/running (owner pid P…)" with P this new server once the takeover is in the store and before
        // its queue holds the run, "is queued or running on this server" once it does, "is running, queued…" if the takeover's
        // requeue came between the resume's plan and its own requeue.
        bool moved = resume.StatusCode == System.Net.HttpStatusCode.Conflict
            && (resumeBody.Contains("is running, queued", StringComparison.Ordinal) || resumeBody.Contains("is queued or running on this server", StringComparison.Ordinal)
                || resumeBody.Contains($"(owner pid {serve.Pid} on ", StringComparison.Ordinal));
        Assert.True(resume.IsSuccessStatusCode || moved, resumeBody);
        JsonElement done = await WaitForStatusAsync(serve, batch, "succeeded", TimeSpan.FromSeconds(150));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());

        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
        var latest = (await runs.GetAttemptsAsync(batch, null, CancellationToken.None))
            .GroupBy(a => a.Target).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        Assert.Equal(24, latest.Count);
        Assert.All(latest, a => Assert.Equal(AttemptState.Succeeded, a.State));

        // Completed targets never ran again; what was running when everything died ran once more, on the new workers.
        var starts = File.ReadAllLines(log).Select(l => l.Split(' ')).GroupBy(l => l[0]).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Assert.Equal(24, starts.Count);
        Assert.All(completedBefore, t => Assert.Single(starts[t]));
        Assert.All(starts.Values, s => Assert.InRange(s.Count, 1, 2));
        Assert.All(latest.Where(a => !completedBefore.Contains(a.Target)), a => Assert.Matches("^n[123]$", starts[a.Target].Last()[1]));
    }
}
