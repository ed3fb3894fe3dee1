using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Workers;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Runs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Issue 15 with Orleans' in-process test cluster (<c>Microsoft.Orleans.TestingHost</c>): three silos of role <c>all</c>
/// configured exactly as <c>fanout worker</c> configures itself (<see cref="ClusterHosting"/>), membership in a real
/// throwaway PostgreSQL, a real run recorded in that store, real local processes as targets.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InProcessClusterTests(PostgresCluster postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-inproc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 600000)]
    public async Task ThreeSilos_600Targets_Parallel8_HoldsTheLimit_AndSurvivesAWorkerSiloKill()
    {
        string url = await postgres.CreateDatabaseAsync();
        await using IFanoutStore store = await StoreFactory.OpenAsync(url, CancellationToken.None); // applies the migrations
        string connectionString = StoreLocation.ToConnectionString(url).ConnectionString;
        await using InProcessFanoutCluster cluster = await InProcessFanoutCluster.StartAsync(connectionString, maxTargets: 8);
        IServiceProvider coordinator = cluster.Silos[0].ServiceProvider;
        InProcessSiloHandle victim = cluster.Silos[2];
        WorkerRuntime victimRuntime = victim.ServiceProvider.GetRequiredService<WorkerRuntime>();
        WorkerDirectory workers = coordinator.GetRequiredService<WorkerDirectory>();
        ClusterMetrics metrics = coordinator.GetRequiredService<ClusterMetrics>();

        // 600 local targets; each appends its name to a log when it starts, so re-runs are counted.
        string log = Path.Combine(_dir, "starts.log");
        // Without claims ahead (StartLookahead 0) a `running` attempt row is a target that started: by default the recorder
        // also marks the next 64 targets running before they start, which the sampling below would count.
        var runs = new RunService(store: store, recorderOptions: new RunRecorderOptions { StartLookahead = 0 });
        (RunRequest request, IOperation operation) = await DistributedRun.CreateAsync(coordinator, _dir, 600, 8, $"echo $FANOUT_TARGET >> {log}; sleep 0.2");
        string runId = request.RunId!; // set by DistributedRun
        Assert.NotSame(operation, request.Operation); // leased to the workers

        // Sample the attempts the store says are running, all along the run.
        int maxRunning = 0;
        int maxExecuting = 0;
        WorkerRuntime[] runtimes = [.. cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<WorkerRuntime>())];
        bool victimKilled = false;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (!sampling.IsCancellationRequested)
            {
                await using var count = new NpgsqlCommand("SELECT count(*) FROM target_attempts WHERE run_id = @r AND state = 'running'", connection);
                count.Parameters.AddWithValue("r", runId);
                maxRunning = Math.Max(maxRunning, (int)(long)(await count.ExecuteScalarAsync())!);
                maxExecuting = Math.Max(maxExecuting, runtimes.Where(r => r != victimRuntime || !victimKilled).Sum(r => r.Running));
                await Task.Delay(50);
            }
        });

        Task<BatchResult> running = runs.ExecuteAsync(request, null, CancellationToken.None);

        // Kill the third silo (ungracefully, as kill -9) while it holds targets, a sixth of the way in.
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllLines(log).Length >= 100 && victimRuntime.Running > 0), TimeSpan.FromSeconds(180));
        int heldBefore = workers.Outstanding(victim.SiloAddress.ToParsableString());
        victimKilled = true;
        await cluster.KillSiloAsync(victim);

        BatchResult result = await running.WaitAsync(TimeSpan.FromMinutes(6));
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(600, result.Count(TargetState.Succeeded));
        string[] starts = File.ReadAllLines(log);
        Assert.Equal(600, starts.Distinct().Count());
        int reruns = starts.Length - 600;
        Assert.True(heldBefore > 0, "the killed silo held no lease");
        Assert.True(reruns >= 1 && reruns <= 8, $"{reruns} targets ran twice; the killed silo held {heldBefore} leases (at most 8 at once)");
        Assert.True(metrics.LostLeases >= reruns, $"{metrics.LostLeases} lost leases counted for {reruns} re-runs");
        Assert.InRange(maxRunning, 1, 8);
        Assert.InRange(maxExecuting, 1, 8);

        // Every silo ran a share: the victim before its death, the two others throughout.
        Assert.All(runtimes, r => Assert.True(r.Completed > 0, "a silo ran no target"));
    }
}
