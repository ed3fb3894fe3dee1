using Fanout.Execution;
using Fanout.Runs;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Storage.Tests;

/// <summary>The store contract, run unchanged against SQLite and PostgreSQL (derived classes supply the store).</summary>
public abstract partial class RunStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(T0);

    private protected TestOwnerProbe Owner { get; } = new("host-a", 4242);

    protected string TempDirectory { get; } = Directory.CreateTempSubdirectory("fanout-store-").FullName;

    private readonly List<IRunStore> _opened = [];

    /// <summary>Opens a store on a fresh, empty database.</summary>
    private protected abstract Task<StoreLocation> CreateLocationAsync();

    private StoreLocation? _location;

    protected async Task<IFanoutStore> OpenAsync()
    {
        _location ??= await CreateLocationAsync();
        IFanoutStore store = await StoreFactory.OpenAsync(_location, Time, Owner, CancellationToken.None);
        _opened.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (IRunStore s in _opened)
        {
            await s.DisposeAsync();
        }

        Directory.Delete(TempDirectory, recursive: true);
    }

    protected RunRecord NewRun(string id, DateTimeOffset? started = null, string kind = "exec", string name = "exec: echo hi") => new()
    {
        RunId = id,
        Kind = kind,
        Name = name,
        Actor = "alice@host-a",
        Selectors = """{"criteria":{"all":true}}""",
        Options = """{"parallel":10}""",
        Parameters = """{"token":"***"}""",
        Operation = """{"command":"echo hi"}""",
        StartedAt = started ?? Time.GetUtcNow(),
        OwnerHost = "host-a",
        OwnerPid = 4242,
        LeaseExpiresAt = (started ?? Time.GetUtcNow()) + TimeSpan.FromSeconds(30),
        Counts = new RunCounts(3, 0, 0, 0, 0, 0, 0),
    };

    protected static RunTargetRecord[] Targets(params string[] names) => [.. names.Select(n => new RunTargetRecord(n, 1))];

    protected TargetAttemptRecord Attempt(string run, string target, int attempt, AttemptState state, int? exit = null) => new()
    {
        RunId = run,
        Target = target,
        Attempt = attempt,
        State = state,
        ExitCode = exit,
        Wave = 1,
        StartedAt = state == AttemptState.NotRun ? null : Time.GetUtcNow(),
        EndedAt = state is AttemptState.Running or AttemptState.NotRun ? null : Time.GetUtcNow() + TimeSpan.FromMilliseconds(12.5),
        Stdout = state == AttemptState.Succeeded ? $"out of {target}\n" : null,
        Error = state == AttemptState.Failed ? "exit code 3" : null,
    };

    [Fact(Timeout = 30000)]
    public async Task Open_Twice_MigratesOnceToLatestVersion()
    {
        IRunStore first = await OpenAsync();
        IRunStore second = await OpenAsync();

        int version = await ((AdoRunStore)second).Database.MigrateAsync(CancellationToken.None);

        int latest = StoreDatabase.LoadMigrations(((AdoRunStore)second).Database.SchemaFolder).Max(m => m.Version);
        Assert.Equal(latest, version);
        Assert.Empty(await first.QueryRunsAsync(new RunQuery(), CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task CreateRun_ThenGetRun_RoundTripsEveryFieldInUtc()
    {
        IRunStore store = await OpenAsync();
        RunRecord run = NewRun("r1") with { ParentRunId = "r0", StartedAt = T0.ToOffset(TimeSpan.FromHours(2)) };

        await store.CreateRunAsync(run, Targets("a", "b", "c"), CancellationToken.None);
        RunRecord? read = await store.GetRunAsync("r1", CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(run with { StartedAt = T0 }, read with { StartedAt = read.StartedAt });
        Assert.Equal(TimeSpan.Zero, read.StartedAt.Offset);
        Assert.Equal(T0, read.StartedAt);
        Assert.Equal(["a", "b", "c"], (await store.GetRunTargetsAsync("r1", CancellationToken.None)).Select(t => t.Target));
    }

    [Fact(Timeout = 30000)]
    public async Task CreateRun_DuplicateId_ThrowsFanoutException()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("dup"), Targets("a"), CancellationToken.None);

        var e = await Assert.ThrowsAsync<FanoutException>(() => store.CreateRunAsync(NewRun("dup"), Targets("a"), CancellationToken.None));

        Assert.Contains("dup", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task WriteAsync_UpsertsAttempts_LatestOnlyAndStateFiltersApply()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a", "b", "c"), CancellationToken.None);

        await store.WriteAsync(new RunWriteBatch
        {
            RunId = "r",
            Attempts = [Attempt("r", "a", 1, AttemptState.Running), Attempt("r", "b", 1, AttemptState.Running)],
        }, CancellationToken.None);
        await store.WriteAsync(new RunWriteBatch
        {
            RunId = "r",
            Attempts = [Attempt("r", "a", 1, AttemptState.Failed, 3), Attempt("r", "a", 2, AttemptState.Succeeded, 0), Attempt("r", "c", 0, AttemptState.NotRun)],
            Counts = new RunCounts(3, 1, 0, 0, 0, 1, 0),
        }, CancellationToken.None);

        IReadOnlyList<TargetAttemptRecord> all = await store.GetAttemptsAsync("r", null, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> latest = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> running = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, States = new HashSet<AttemptState> { AttemptState.Running } }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> onlyA = await store.GetAttemptsAsync("r", new AttemptQuery { Target = "a" }, CancellationToken.None);

        Assert.Equal(["a:1:failed", "a:2:succeeded", "b:1:running", "c:0:not-run"], all.Select(a => $"{a.Target}:{a.Attempt}:{a.State.ToWireName()}"));
        Assert.Equal(["a:2", "b:1", "c:0"], latest.Select(a => $"{a.Target}:{a.Attempt}"));
        Assert.Equal("b", Assert.Single(running).Target);
        Assert.Equal(2, onlyA.Count);
        Assert.Equal(T0, all[0].StartedAt);
        Assert.Equal(3, all[0].ExitCode);
        Assert.Equal("out of a\n", all[1].Stdout);
        Assert.Equal(new RunCounts(3, 1, 0, 0, 0, 1, 0), (await store.GetRunAsync("r", CancellationToken.None))!.Counts);
    }

    [Fact(Timeout = 30000)]
    public async Task Events_AppendIgnoresDuplicates_ReadFromSequence()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a"), CancellationToken.None);
        RunEventRecord E(long seq) => new("r", seq, "TargetStarted", T0.AddSeconds(seq), $$"""{"n":{{seq}}}""");

        await store.WriteAsync(new RunWriteBatch { RunId = "r", Events = [E(1), E(2), E(3)] }, CancellationToken.None);
        await store.WriteAsync(new RunWriteBatch { RunId = "r", Events = [E(3), E(4)] }, CancellationToken.None);

        IReadOnlyList<RunEventRecord> fromTwo = await store.GetEventsAsync("r", 2, 100, CancellationToken.None);
        Assert.Equal([3L, 4L], fromTwo.Select(e => e.Sequence));
        Assert.Equal(T0.AddSeconds(3), fromTwo[0].Timestamp);
        Assert.Equal("""{"n":3}""", fromTwo[0].Payload);
        Assert.Equal(2, (await store.GetEventsAsync("r", 0, 2, CancellationToken.None)).Count);
        Assert.Equal(4, await store.GetLastSequenceAsync("r", CancellationToken.None));
        Assert.Equal(0, await store.GetLastSequenceAsync("other", CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task QueryRuns_NewestFirst_WithLimitStatusKindAndNameFilters()
    {
        IRunStore store = await OpenAsync();
        for (int i = 1; i <= 5; i++)
        {
            await store.CreateRunAsync(NewRun($"r{i}", T0.AddMinutes(i), kind: i % 2 == 0 ? "workflow" : "exec", name: i % 2 == 0 ? "deploy" : "exec"), Targets("a"), CancellationToken.None);
        }

        Owner.Alive.Add(4242);
        await store.FinishRunAsync("r2", RunStatus.Failed, T0.AddMinutes(3), new RunCounts(1, 0, 1, 0, 0, 0, 0), null, CancellationToken.None);
        await store.FinishRunAsync("r4", RunStatus.Succeeded, T0.AddMinutes(5), new RunCounts(1, 1, 0, 0, 0, 0, 0), null, CancellationToken.None);

        Assert.Equal(["r5", "r4", "r3"], (await store.QueryRunsAsync(new RunQuery { Limit = 3 }, CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["r2"], (await store.QueryRunsAsync(new RunQuery { Status = RunStatus.Failed }, CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["r4", "r2"], (await store.QueryRunsAsync(new RunQuery { Name = "deploy" }, CancellationToken.None)).Select(r => r.RunId));
        Assert.Equal(["r5", "r3", "r1"], (await store.QueryRunsAsync(new RunQuery { Kind = "exec" }, CancellationToken.None)).Select(r => r.RunId));
    }

    [Fact(Timeout = 30000)]
    public async Task QueryRuns_NameGlob_MatchesTheWholeNameCaseSensitively_AndTakesOtherCharactersLiterally()
    {
        // Issue 10 item 13: `history --workflow 'deploy*'` (and GET /api/runs?name=) globs, on every engine alike.
        IRunStore store = await OpenAsync();
        string[] names = ["deploy-web", "deploy-db", "Deploy-api", "redeploy", "deploy_%x", "deployXx", "deploy[1]"];
        for (int i = 0; i < names.Length; i++)
        {
            await store.CreateRunAsync(NewRun($"g{i}", T0.AddMinutes(i), name: names[i]), Targets("a"), CancellationToken.None);
        }

        async Task<string[]> Match(string glob) =>
            [.. (await store.QueryRunsAsync(new RunQuery { Name = glob, Limit = 100 }, CancellationToken.None)).Select(r => r.Name).Order(StringComparer.Ordinal)];

        Assert.Equal(["deploy-db", "deploy-web", "deployXx", "deploy[1]", "deploy_%x"], await Match("deploy*"));
        Assert.Equal(["deploy-db", "deploy-web"], await Match("deploy-??*"));
        Assert.Equal(["deploy_%x"], await Match("deploy_%*"));
        Assert.Equal(["deploy[1]"], await Match("deploy[1]*"));
        Assert.Equal(["Deploy-api"], await Match("D*"));
        Assert.Equal(["redeploy"], await Match("*deploy"));
        Assert.Empty(await Match("deploy"));
    }

    [Fact(Timeout = 30000)]
    public async Task FinishRun_SetsStatusEndCountsAndReleasesLease()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a", "b", "c"), CancellationToken.None);

        await store.FinishRunAsync("r", RunStatus.Failed, T0.AddSeconds(9), new RunCounts(3, 1, 1, 1, 0, 0, 0), "fail-fast", CancellationToken.None);
        RunRecord run = (await store.GetRunAsync("r", CancellationToken.None))!;

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(T0.AddSeconds(9), run.EndedAt);
        Assert.Equal(new RunCounts(3, 1, 1, 1, 0, 0, 0), run.Counts);
        Assert.Equal("fail-fast", run.StopReason);
        Assert.Null(run.LeaseExpiresAt);
        Assert.False(await store.RenewLeaseAsync("r", T0.AddMinutes(1), CancellationToken.None));
    }
}
