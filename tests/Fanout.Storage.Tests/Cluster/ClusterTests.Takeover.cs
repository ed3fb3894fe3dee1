using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Issue 15, coordinator death, with real processes: two <c>fanout serve --role api</c> and two workers; the server that accepted the runs is killed.</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 420000)]
    public async Task CoordinatingServerKilled9_ItsRunsMoveToTheOtherServer_OneCompletes_TheOtherIsCancelledThroughIt()
    {
        const int parallel = 4;
        string log = Path.Combine(_dir, "starts.log");
        string longLog = Path.Combine(_dir, "long.log");
        await using RunningCluster cluster = await StartClusterAsync(40, "w1", "w2");
        await using ServeProcess second = await StartServeAsync(cluster.Store, cluster.Token, cluster.Inventory);
        await WaitForSilosAsync(cluster.Store, 4);

        // Both runs are accepted (and so coordinated) by the first server: one of 40 short targets, one of 4 targets sleeping two minutes.
        string run = await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET $(date +%s.%N) start >> {log}; sleep 1; echo $FANOUT_TARGET $(date +%s.%N) end >> {log}", parallel);
        string longRun = await CreateAsync(cluster.Serve, new
        {
            targetNodeIds = new[] { "t000", "t001", "t002", "t003" },
            action = new { type = "command", value = $"echo $FANOUT_TARGET $$ $(date +%s.%N) >> {longLog}; sleep 120; touch {_dir}/finished-$FANOUT_TARGET" },
            options = new { parallel },
        });

        await WaitForLinesAsync(log, 8);
        await WaitForLinesAsync(longLog, 4);
        int[] leasedByTheDead = [.. File.ReadAllLines(longLog).Select(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture))];
        double killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await cluster.Serve.KillAsync(); // kill -9 of the coordinator

        // The long targets the dead coordinator leased are stopped on their workers once it is declared dead (6 s, and a
        // margin for a loaded machine): they do not run on beside their re-runs.
        using (var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(36)))
        {
            while (leasedByTheDead.Any(p => Directory.Exists($"/proc/{p}")))
            {
                await Task.Delay(100, stopped.Token);
            }
        }

        // Nobody resumes anything: the second server takes both runs over by itself and completes the short one.
        JsonElement done = await WaitForStatusAsync(second, run, "succeeded", TimeSpan.FromSeconds(180));
        Assert.Equal(40, done.GetProperty("counts").GetProperty("succeeded").GetInt32());
        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        var latest = (await runs.GetAttemptsAsync(run, null, CancellationToken.None)).GroupBy(a => a.Target).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        Assert.Equal(40, latest.Count);
        Assert.All(latest, a => Assert.Equal(AttemptState.Succeeded, a.State));
        RunRecord record = (await runs.GetRunAsync(run, CancellationToken.None))!;
        Assert.Equal(1, record.ResumeCount);

        // Re-runs are bounded by what was running when the coordinator died (at most --parallel), and the limit held.
        string[][] lines = File.ReadAllLines(log).Select(l => l.Split(' ')).ToArray();
        string[][] starts = [.. lines.Where(l => l[2] == "start")];
        var twice = starts.GroupBy(l => l[0]).Where(g => g.Count() > 1).ToList();
        Assert.Equal(40, starts.Select(l => l[0]).Distinct().Count());
        Assert.InRange(twice.Count, 0, parallel);
        Assert.All(starts.GroupBy(l => l[0]), g => Assert.InRange(g.Count(), 1, 2));
        // Targets executing at once (from their start and end lines; a target the dead coordinator had leased ends on its
        // worker within a second, long before the takeover): never more than --parallel.
        int executing = 0, maxExecuting = 0;
        foreach (string[] l in lines.OrderBy(l => double.Parse(l[1], CultureInfo.InvariantCulture)).ThenBy(l => l[2] == "start" ? 1 : 0))
        {
            executing += l[2] == "start" ? 1 : -1;
            maxExecuting = Math.Max(maxExecuting, executing);
        }

        Assert.InRange(maxExecuting, 1, parallel);
        double firstAfter = starts.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture)).Where(t => t > killedAt).Min() - killedAt;
        Assert.True(firstAfter < 60, $"the run continued only {firstAfter:0.0} s after the kill");
        Console.WriteLine($"coordinator takeover: first target started {firstAfter:0.0} s after the kill -9; {twice.Count} targets ran twice");

        // The long run moved too: its four targets run again under the second server, and a cancel through its API reaches them.
        await WaitForLinesAsync(longLog, 8);
        string[][] again = File.ReadAllLines(longLog).Select(l => l.Split(' ')).Where(l => double.Parse(l[2], CultureInfo.InvariantCulture) > killedAt).ToArray();
        Assert.Equal(["t000", "t001", "t002", "t003"], again.Select(l => l[0]).Order());
        using HttpResponseMessage cancel = await second.Client.PostAsync(new Uri($"/api/executions/batch/{longRun}/cancel", UriKind.Relative), null);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        JsonElement cancelled = await WaitForStatusAsync(second, longRun, "cancelled", TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        int[] pids = [.. again.Select(l => int.Parse(l[1], CultureInfo.InvariantCulture))];
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (pids.Any(p => Directory.Exists($"/proc/{p}")))
            {
                await Task.Delay(200, deadline.Token);
            }
        }

        // The takeovers are audited by the second server.
        using HttpResponseMessage audit = await second.Client.GetAsync(new Uri("/api/audit?action=run.takeover", UriKind.Relative));
        string auditText = await audit.Content.ReadAsStringAsync();
        Assert.Contains(run, auditText, StringComparison.Ordinal);
        Assert.Contains(longRun, auditText, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> WaitForStatusAsync(ServeProcess serve, string batch, string status, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        string last = "";
        while (!deadline.IsCancellationRequested)
        {
            JsonElement doc = await serve.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/executions/batch/{batch}", UriKind.Relative), CancellationToken.None);
            last = doc.GetProperty("status").GetString()!;
            if (last == status)
            {
                return doc;
            }

            await Task.Delay(300, CancellationToken.None);
        }

        Assert.Fail($"batch {batch} never became {status}; last {last}");
        return default;
    }
}
