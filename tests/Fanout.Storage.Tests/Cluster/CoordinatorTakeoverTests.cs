using System.Collections.Concurrent;
using System.Diagnostics;
using Fanout.Cluster.Coordination;
using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Execution;
using Fanout.Runs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Issue 15, "coordinator death", with Orleans' in-process test cluster: three silos of role <c>all</c> configured as
/// <c>fanout serve --role all</c> configures itself (<see cref="ClusterHosting"/>: membership and reminders in a real throwaway
/// PostgreSQL), a real run recorded in that store, real local processes as targets. The run is coordinated by silo 0; that
/// silo is killed (and its process's store writes stop at that instant, as with <c>kill -9</c>) → the run's coordinator grain,
/// fired by its reminder on a surviving silo, takes the run over and resumes it there by itself.
/// </summary>
/// <remarks>
/// The silos' <see cref="IRunLauncher"/> here is <see cref="DirectLauncher"/>: it plans the resume with the same
/// <see cref="RunService.PlanResumeAsync(string, CancellationToken)"/> and runs it through the same distributor and coordination
/// as <c>fanout serve</c>'s execution queue, without the HTTP server around it (ClusterTakeoverTests runs the real servers).
/// </remarks>
[Collection(PostgresCollection.Name)]
public sealed class CoordinatorTakeoverTests(PostgresCluster postgres) : IDisposable
{
    private const int Targets = 300;
    private const int Parallel = 8;
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-takeover-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 600000)]
    public async Task CoordinatorSiloKilled_RunIsTakenOverByAnotherSilo_CompletesWithinItsLimit()
    {
        string url = await postgres.CreateDatabaseAsync();
        await using IFanoutStore store = await StoreFactory.OpenAsync(url, CancellationToken.None); // applies the migrations
        string connectionString = StoreLocation.ToConnectionString(url).ConnectionString;
        var recorderOptions = new RunRecorderOptions { StartLookahead = 0 }; // a `running` attempt row is a target that started
        var launches = new ConcurrentQueue<Launch>();
        await using InProcessFanoutCluster cluster = await InProcessFanoutCluster.StartAsync(connectionString, maxTargets: Parallel, services =>
        {
            services.AddSingleton<IRunStore>(store);
            services.AddSingleton<IRunLauncher>(sp => new DirectLauncher(sp, new RunService(store: store, recorderOptions: recorderOptions), launches));
        });
        InProcessSiloHandle coordinatorSilo = cluster.Silos[0];
        IServiceProvider coordinator = coordinatorSilo.ServiceProvider;

        string log = Path.Combine(_dir, "starts.log");
        (RunRequest request, _) = await DistributedRun.CreateAsync(coordinator, _dir, Targets, Parallel, $"echo $FANOUT_TARGET >> {log}; sleep 0.3");
        string runId = request.RunId!; // set by DistributedRun

        // Silo 0 coordinates: its coordination records it and the run's coordinator grain starts its reminder. Its writes go
        // through a store that stops answering at the kill, as a process killed with kill -9 writes nothing more.
        IRunStore frozen = FreezableStore.Wrap(store, out Action freeze);
        await coordinator.GetRequiredService<IRunCoordination>().BeginAsync(request, CancellationToken.None);
        using var firstCancel = new CancellationTokenSource();
        _ = new RunService(store: frozen, recorderOptions: recorderOptions).ExecuteAsync(request, null, firstCancel.Token);

        // Sample the attempts running now (the latest attempt of each target; a resume leaves the dead coordinator's last
        // `running` rows as they were and adds new attempts) all along the run.
        int maxRunning = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (!sampling.IsCancellationRequested)
            {
                await using var count = new NpgsqlCommand(
                    "SELECT count(*) FROM target_attempts a WHERE a.run_id = @r AND a.state = 'running' " +
                    "AND a.attempt = (SELECT max(b.attempt) FROM target_attempts b WHERE b.run_id = a.run_id AND b.target = a.target)", connection);
                count.Parameters.AddWithValue("r", runId);
                maxRunning = Math.Max(maxRunning, (int)(long)(await count.ExecuteScalarAsync())!);
                await Task.Delay(50);
            }
        });

        // Kill the coordinator's silo about a fifth of the way in.
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllLines(log).Length >= Targets / 5), TimeSpan.FromSeconds(180));
        string deadSilo = coordinatorSilo.SiloAddress.ToParsableString();
        var clock = Stopwatch.StartNew();
        // The coordinator stops at once (no write reaches the store, nothing is re-leased), then its silo dies. Cancelled
        // after the kill instead, the in-process coordinator would live on for a moment and re-lease what its dying silo
        // ran — which a killed process cannot do.
        freeze();
        await firstCancel.CancelAsync();
        await cluster.KillSiloAsync(coordinatorSilo);

        // A surviving silo takes the run over by itself.
        await Poll.UntilAsync(() => Task.FromResult(!launches.IsEmpty), TimeSpan.FromSeconds(90));
        TimeSpan takeover = clock.Elapsed;
        Launch launch = Assert.Single(launches);
        Assert.NotEqual(deadSilo, launch.Silo);
        BatchResult result = await launch.Running.WaitAsync(TimeSpan.FromMinutes(5));
        await sampling.CancelAsync();
        await sampler;

        RunRecord run = (await store.GetRunAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(Targets, run.Counts.Succeeded);
        Assert.Equal(1, run.ResumeCount);
        Assert.Equal(Targets, launch.Plan.Run!.Counts.Succeeded + result.Count(TargetState.Succeeded));
        string[] starts = File.ReadAllLines(log);
        Assert.Equal(Targets, starts.Distinct().Count());
        int reruns = starts.Length - Targets;
        int wereRunning = launch.Plan.WereRunning.Count;
        Assert.InRange(wereRunning, 1, Parallel);
        Assert.True(reruns <= wereRunning, $"{reruns} targets ran twice; {wereRunning} were running when the coordinator died");
        Assert.InRange(maxRunning, 1, Parallel);
        Assert.Contains(deadSilo, launch.Plan.Run.StopReason, StringComparison.Ordinal);

        // The run ended: its row and its reminder are gone.
        await using var connection2 = new NpgsqlConnection(connectionString);
        await connection2.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT (SELECT count(*) FROM cluster_runs WHERE run_id = @r) + (SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || @r)", connection2);
        rows.Parameters.AddWithValue("r", runId);
        await Poll.UntilAsync(async () => (long)(await rows.ExecuteScalarAsync())! == 0, TimeSpan.FromSeconds(30));
        Console.WriteLine($"takeover: {takeover.TotalSeconds:F1} s from the kill to the resume starting on {launch.Silo}; {wereRunning} were running, {reruns} ran twice; max running {maxRunning}");
    }


    private sealed record Launch(string Silo, ContinuationPlan Plan, Task<BatchResult> Running);

    /// <summary>Resumes a run on this silo as <c>fanout serve</c>'s execution queue does: plan, distribute, coordinate, execute.</summary>
    private sealed class DirectLauncher(IServiceProvider silo, RunService runs, ConcurrentQueue<Launch> launches) : IRunLauncher
    {
        public async Task<TakeoverStart> ResumeAsync(string runId, string reason, CancellationToken cancellationToken)
        {
            ContinuationPlan plan = await runs.PlanResumeAsync(runId, cancellationToken);
            RunRequest request = silo.GetRequiredService<IRunDistributor>().Distribute(plan.Request! with { RunId = runId });
            IRunCoordination coordination = silo.GetRequiredService<IRunCoordination>();
            launches.Enqueue(new Launch(silo.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString(), plan, Task.Run(async () =>
            {
                await using IAsyncDisposable? coordinated = await coordination.BeginAsync(request, CancellationToken.None);
                return await runs.ExecuteAsync(request, null, CancellationToken.None);
            })));
            return TakeoverStart.Started;
        }
    }
}
