using System.Diagnostics;
using System.Globalization;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Issue 15: the targets a dead coordinator leased stop on the workers (real processes, <c>kill -9</c> of the coordinating server).</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task CoordinatingServerKilled9_TheTargetsItLeasedAreStoppedOnTheWorkers_WhichKeepRunning()
    {
        string pidLog = Path.Combine(_dir, "pids.log");
        await using RunningCluster cluster = await StartClusterAsync(6, "w1", "w2");
        await WaitForSilosAsync(cluster.Store, 3);

        // Six targets sleeping two minutes, each writing its shell's pid, all leased at once.
        await CreateAsync(cluster.Serve, $"echo $FANOUT_TARGET $$ $FANOUT_TEST_WORKER >> {pidLog}; sleep 120; touch {_dir}/finished-$FANOUT_TARGET", parallel: 6);
        await WaitForLinesAsync(pidLog, 6);
        string[][] lines = [.. File.ReadAllLines(pidLog).Select(l => l.Split(' '))];
        int[] shells = [.. lines.Select(l => int.Parse(l[1], CultureInfo.InvariantCulture))];
        Assert.All(shells, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"target shell {pid} is not running before the kill"));

        var sinceKill = Stopwatch.StartNew();
        await cluster.Serve.KillAsync(); // kill -9 of the coordinator; no other server is left to take the run over

        // Once the cluster declares it dead (--failure-detection 6s), each worker stops what it leased: every shell is gone.
        TimeSpan limit = TimeSpan.FromSeconds(6 + 30); // the failure detection, and a margin for a loaded 2-core machine
        while (shells.Any(pid => Directory.Exists($"/proc/{pid}")))
        {
            Assert.True(sinceKill.Elapsed < limit, $"target shells still running {sinceKill.Elapsed.TotalSeconds:0.0} s after the coordinator's kill -9: {string.Join(", ", shells.Where(pid => Directory.Exists($"/proc/{pid}")))}");
            await Task.Delay(100);
        }

        Console.WriteLine($"dead coordinator: its {shells.Length} leased targets were stopped {sinceKill.Elapsed.TotalSeconds:0.0} s after the kill -9 (workers: {string.Join(", ", lines.Select(l => l[2]).Distinct().Order())})");
        Assert.Empty(Directory.GetFiles(_dir, "finished-*"));

        // The workers keep running, members of the cluster, and the coordinator is listed dead.
        await WaitAsync(cluster.Store, doc => doc.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("role").GetString() == "api" && s.GetProperty("status").GetString() == "dead"));
        Assert.All(cluster.Workers, w => Assert.False(w.HasExited, $"worker {w.Pid} exited"));
        await WaitAsync(cluster.Store, doc => doc.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("role").GetString() == "worker" && s.GetProperty("status").GetString() == "active") == 2);
    }
}
