using System.Net;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Workers;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// A worker's <see cref="WorkerRuntime"/> and the coordinators that lease it batches (issue 15): the batches of a coordinator
/// Orleans declared dead are stopped and their reports dropped, real local processes as targets. Without a silo: the runtime
/// is told the dead silos as <see cref="CoordinatorWatch"/> tells it from Orleans' membership.
/// </summary>
public sealed class WorkerRuntimeTests : IDisposable
{
    private static readonly SiloAddress Dead = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress Alive = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-worker-runtime-").FullName;
    private readonly WorkerRuntime _runtime = new(
        new ClusterSettings { ConnectionString = "unused: a worker runtime never opens the store", Name = "w-test" },
        new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance),
        NullLogger<WorkerRuntime>.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 60000)]
    public async Task BatchOfACoordinatorAlreadyDead_IsNotRun()
    {
        _runtime.CoordinatorsDead(new HashSet<SiloAddress> { Dead });

        List<TargetReport> reports = await ReadAllAsync(_runtime.RunBatchAsync(Batch(Dead, $"touch {_dir}/ran-$FANOUT_TARGET", "t1", "t2")));

        // The batch ended (a target that ran would have ended before it): nothing ran, nothing was reported.
        Assert.Empty(reports);
        Assert.Empty(Directory.GetFiles(_dir, "ran-*"));
    }

    [Fact(Timeout = 60000)]
    public async Task CoordinatorDeclaredDead_ItsTargetsAreStopped_AndTheirReportsDropped_OtherCoordinatorsTargetsRunOn()
    {
        string command = $"echo $$ > {_dir}/pid-$FANOUT_TARGET; sleep 120; touch {_dir}/finished-$FANOUT_TARGET";
        LeaseBatch orphaned = Batch(Dead, command, "t1", "t2");
        LeaseBatch kept = Batch(Alive, command, "t3");
        Task<List<TargetReport>> orphanedReports = ReadAllAsync(_runtime.RunBatchAsync(orphaned));
        Task<List<TargetReport>> keptReports = ReadAllAsync(_runtime.RunBatchAsync(kept));
        int[] shells = await Task.WhenAll(new[] { "t1", "t2", "t3" }.Select(ShellAsync));

        Assert.Equal(2, _runtime.CoordinatorsDead(new HashSet<SiloAddress> { Dead }));

        // The dead coordinator's batch ends without a report, its shells are gone; the other coordinator's target runs on.
        Assert.Empty(await orphanedReports.WaitAsync(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{shells[0]}") && !Directory.Exists($"/proc/{shells[1]}")), TimeSpan.FromSeconds(30));
        Assert.True(Directory.Exists($"/proc/{shells[2]}"), "the live coordinator's target was stopped too");
        Assert.False(keptReports.IsCompleted);

        // Its own coordinator's cancel still reaches it (the batch ends once the target was stopped), and is reported.
        _runtime.Cancel([kept.Leases[0].LeaseId]);
        TargetReport cancelled = Assert.Single(await keptReports.WaitAsync(TimeSpan.FromSeconds(30)), r => !r.Interim);
        Assert.Equal(kept.Leases[0].LeaseId, cancelled.LeaseId);
        Assert.NotEqual("succeeded", cancelled.State);
        Assert.False(Directory.Exists($"/proc/{shells[2]}"), "the cancelled target's shell still runs");
        Assert.Empty(Directory.GetFiles(_dir, "finished-*"));
    }

    private async Task<int> ShellAsync(string target)
    {
        string path = Path.Combine(_dir, $"pid-{target}");
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).EndsWith('\n')), TimeSpan.FromSeconds(30));
        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private LeaseBatch Batch(SiloAddress coordinator, string command, params string[] targets)
    {
        string inventory = Path.Combine(_dir, "inventory.yaml");
        File.WriteAllLines(inventory, ["defaults: {transport: local}", "targets:", "  t1: {}", "  t2: {}", "  t3: {}"]);
        IOperation operation = RunDefinition.ForCommandLine(command).CreateOperation();
        RunDefinition definition = RunDefinition.Describe(operation, [inventory], new SelectionCriteria(), new ExecutionOptions())!;
        return new LeaseBatch
        {
            RunId = "run-" + Guid.NewGuid().ToString("N")[..8],
            Definition = definition.ToJson(),
            Coordinator = coordinator,
            Leases = [.. targets.Select(t => new TargetLease { Target = t, Attempt = 1, LeaseId = Guid.NewGuid() })],
        };
    }

    private static async Task<List<TargetReport>> ReadAllAsync(IAsyncEnumerable<TargetReport> reports)
    {
        var all = new List<TargetReport>();
        await foreach (TargetReport report in reports)
        {
            all.Add(report);
        }

        return all;
    }
}
