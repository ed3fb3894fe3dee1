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
/// A worker's <see cref="WorkerRuntime"/> and the coordinators that open report channels on it (issue 15): leases granted on a
/// channel report on it; the channels of a coordinator Orleans declared dead are stopped and their reports dropped, real local
/// processes as targets. Without a silo: the runtime
/// is told the dead silos as <see cref="CoordinatorWatch"/> tells it from Orleans' membership.
/// </summary>
public sealed class WorkerRuntimeTests : IDisposable
{
    private static readonly SiloAddress Dead = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress Alive = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-worker-runtime-").FullName;
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);
    private readonly WorkerRuntime _runtime;

    public WorkerRuntimeTests() => _runtime = new(
        new ClusterSettings { ConnectionString = "unused: a worker runtime never opens the store", Name = "w-test" },
        _lifetime,
        NullLogger<WorkerRuntime>.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 60000)]
    public async Task BatchOfACoordinatorAlreadyDead_IsNotRun()
    {
        _runtime.CoordinatorsDead(new HashSet<SiloAddress> { Dead });

        var reports = new List<TargetReport>();
        await foreach (TargetReport report in _runtime.OpenAsync(Batch(Dead, $"touch {_dir}/ran-$FANOUT_TARGET", "t1", "t2")))
        {
            reports.Add(report);
        }

        // The channel ended without opening (not even its Opened report) and before any grant: nothing ran or was reported.
        Assert.Empty(reports);
        Assert.Empty(Directory.GetFiles(_dir, "ran-*"));
    }

    [Fact(Timeout = 60000)]
    public async Task CoordinatorDeclaredDead_ItsTargetsAreStopped_AndTheirReportsDropped_OtherCoordinatorsTargetsRunOn()
    {
        string command = $"echo $$ > {_dir}/pid-$FANOUT_TARGET; sleep 120; touch {_dir}/finished-$FANOUT_TARGET";
        LeaseBatch orphaned = Batch(Dead, command, "t1", "t2");
        LeaseBatch kept = Batch(Alive, command, "t3");
        Task<List<TargetReport>> orphanedReports = ReadAllAsync(_runtime.OpenAsync(orphaned));
        Task<List<TargetReport>> keptReports = ReadAllAsync(_runtime.OpenAsync(kept), until: r => !r.Interim);
        int[] shells = await Task.WhenAll(new[] { "t1", "t2", "t3" }.Select(ShellAsync));

        Assert.Equal(2, _runtime.CoordinatorsDead(new HashSet<SiloAddress> { Dead }));

        // The dead coordinator's channel ends without a report, its shells are gone; the other coordinator's target runs on.
        Assert.Empty(await orphanedReports.WaitAsync(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{shells[0]}") && !Directory.Exists($"/proc/{shells[1]}")), TimeSpan.FromSeconds(30));
        Assert.True(Directory.Exists($"/proc/{shells[2]}"), "the live coordinator's target was stopped too");
        Assert.False(keptReports.IsCompleted);

        // Its own coordinator's cancel still reaches it, and the stopped target is reported on its channel.
        _runtime.Cancel([kept.Leases[0].LeaseId]);
        TargetReport cancelled = Assert.Single(await keptReports.WaitAsync(TimeSpan.FromSeconds(30)), r => !r.Interim);
        Assert.Equal(kept.Leases[0].LeaseId, cancelled.LeaseId);
        Assert.NotEqual("succeeded", cancelled.State);
        Assert.False(Directory.Exists($"/proc/{shells[2]}"), "the cancelled target's shell still runs");
        Assert.Empty(Directory.GetFiles(_dir, "finished-*"));
    }

    [Fact(Timeout = 60000)]
    public async Task LeasesGrantedOnAnOpenChannel_ReportOnIt_AGrantOnAChannelNotOpenFails_ClosingStopsWhatRuns()
    {
        LeaseBatch opening = Batch(Alive, $"if [ $FANOUT_TARGET = t3 ]; then echo $$ > {_dir}/pid-t3; sleep 120; fi; echo out-$FANOUT_TARGET", "t1");
        var reports = System.Threading.Channels.Channel.CreateUnbounded<TargetReport>();
        Task reading = Task.Run(async () =>
        {
            await foreach (TargetReport report in _runtime.OpenAsync(opening))
            {
                reports.Writer.TryWrite(report);
            }

            reports.Writer.TryComplete();
        });
        Assert.True((await reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Opened);
        TargetLease t2 = new() { Target = "t2", Attempt = 1, LeaseId = Guid.NewGuid(), Epoch = 7 };
        TargetLease t3 = new() { Target = "t3", Attempt = 1, LeaseId = Guid.NewGuid(), Epoch = 8 };
        _runtime.Grant(opening.Channel, [t2]);
        _runtime.Grant(opening.Channel, [t3]);
        Assert.Throws<SiloUnavailableException>(() => _runtime.Grant(Guid.NewGuid(), [new TargetLease { Target = "t1", Attempt = 1, LeaseId = Guid.NewGuid() }]));

        var finals = new Dictionary<Guid, TargetReport>();
        while (finals.Count < 2)
        {
            TargetReport report = await reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (!report.Interim)
            {
                finals.Add(report.LeaseId, report);
            }
        }

        Assert.Equal("out-t1\n", System.Text.Encoding.UTF8.GetString(finals[opening.Leases[0].LeaseId].Stdout));
        Assert.Equal("out-t2\n", System.Text.Encoding.UTF8.GetString(finals[t2.LeaseId].Stdout));
        Assert.Equal(7, finals[t2.LeaseId].Epoch);
        int shell = await ShellAsync("t3");

        // The coordinator closes the channel: its stream ends, and the target still running on it is stopped.
        _runtime.Close(opening.Channel);
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{shell}")), TimeSpan.FromSeconds(30));
        Assert.Throws<SiloUnavailableException>(() => _runtime.Grant(opening.Channel, [new TargetLease { Target = "t1", Attempt = 2, LeaseId = Guid.NewGuid() }]));
    }

    [Fact(Timeout = 60000)]
    public async Task TheSiloStopping_DrainsItsChannels_ARunningTargetIsStoppedAndReportedLost_ThenTheStreamEnds()
    {
        LeaseBatch opening = Batch(Alive, $"echo $$ > {_dir}/pid-$FANOUT_TARGET; sleep 120; touch {_dir}/finished-$FANOUT_TARGET", "t1");
        Task<List<TargetReport>> reports = ReadAllAsync(_runtime.OpenAsync(opening));
        int shell = await ShellAsync("t1");

        _lifetime.StopApplication(); // SIGTERM: the host stops

        // The stream ends by itself (Orleans' shutdown would otherwise wait on it), after the stopped target's report, which
        // says lost: its coordinator runs it again on another worker.
        TargetReport final = Assert.Single(await reports.WaitAsync(TimeSpan.FromSeconds(30)), r => !r.Interim);
        Assert.True(final.Lost, "the target stopped with the silo was not reported lost");
        Assert.False(Directory.Exists($"/proc/{shell}"), "the target's shell still runs");
        Assert.Throws<SiloUnavailableException>(() => _runtime.Grant(opening.Channel, [new TargetLease { Target = "t2", Attempt = 1, LeaseId = Guid.NewGuid() }]));
        Assert.Empty(Directory.GetFiles(_dir, "finished-*"));
    }

    [Fact(Timeout = 60000)]
    public async Task AGrantThatFailsBeforeItsTargetsRun_ReportsEachOfThem_NoneIsLeftWithoutAReport()
    {
        // The silo aborting (Orleans declared it dead) while a grant resolves its run: resolving is cancelled, and the grant's
        // leases are reported lost instead of leaving their coordinator waiting for reports that never come.
        Assert.True(_runtime.AbortAll(TimeSpan.Zero));
        LeaseBatch opening = Batch(Alive, $"touch {_dir}/ran-$FANOUT_TARGET", "t1", "t2");

        List<TargetReport> reports = await ReadAllAsync(_runtime.OpenAsync(opening), until: _ => false, count: 2);

        Assert.Equal(opening.Leases.Select(l => l.LeaseId).Order(), reports.Select(r => r.LeaseId).Order());
        Assert.All(reports, r => Assert.True(r.Lost && r.State == "failed", $"{r.State} lost={r.Lost}: {r.Error}"));
        Assert.Empty(Directory.GetFiles(_dir, "ran-*"));
    }

    [Fact(Timeout = 60000)]
    public async Task AWorkerLogsEachReportChannel_NotEachGrant()
    {
        // A grant is a lease or a few: the executor's "run … on 1 targets" / "finished" pair per grant would flood a worker's
        // log with thousands of lines per run. The worker logs the channel's opening and end instead; warnings still pass.
        var log = new ListLogger();
        var runtime = new WorkerRuntime(new ClusterSettings { ConnectionString = "unused", Name = "w-log" }, _lifetime, log);
        LeaseBatch opening = Batch(Alive, "true", "t1");
        var reports = System.Threading.Channels.Channel.CreateUnbounded<TargetReport>();
        Task reading = Task.Run(async () =>
        {
            await foreach (TargetReport report in runtime.OpenAsync(opening))
            {
                reports.Writer.TryWrite(report);
            }
        });
        Assert.True((await reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Opened);
        foreach (string target in new[] { "t2", "t3", "t1" })
        {
            runtime.Grant(opening.Channel, [new TargetLease { Target = target, Attempt = 1, LeaseId = Guid.NewGuid() }]);
        }

        for (int finals = 0; finals < 4;)
        {
            finals += (await reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Interim ? 0 : 1;
        }

        runtime.Close(opening.Channel);
        await reading.WaitAsync(TimeSpan.FromSeconds(30));

        string[] lines = log.Lines();
        Assert.Single(lines, l => l.Contains("opened a report channel", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("report channel ended after 4 leases", StringComparison.Ordinal));
        Assert.Equal(2, lines.Length); // nothing per grant
        Assert.True(new GrantLogger(log).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.False(new GrantLogger(log).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<WorkerRuntime>
    {
        private readonly List<string> _lines = [];

        public string[] Lines()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (_lines)
                {
                    _lines.Add(formatter(state, exception));
                }
            }
        }
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

    // The reports of a channel after its Opened report, until it ends (or until one matches `until`, or `count` were read).
    private static async Task<List<TargetReport>> ReadAllAsync(IAsyncEnumerable<TargetReport> reports, Func<TargetReport, bool>? until = null, int count = int.MaxValue)
    {
        var all = new List<TargetReport>();
        await foreach (TargetReport report in reports)
        {
            if (report.Opened)
            {
                continue;
            }

            all.Add(report);
            if (until?.Invoke(report) == true || all.Count == count)
            {
                break;
            }
        }

        return all;
    }
}
