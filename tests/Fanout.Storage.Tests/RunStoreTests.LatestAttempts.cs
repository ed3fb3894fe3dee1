using Fanout.Runs;

namespace Fanout.Storage.Tests;

/// <summary>
/// Issue 15: the latest attempt of each target is read without a correlated <c>MAX(attempt)</c> subquery, optionally without the
/// output columns (the status page of a 20,000-target run) and for a few targets only (that page's output).
/// </summary>
public abstract partial class RunStoreTests
{
    /// <summary>
    /// Selection c, a, b, d (not name order); a retried to attempt 11 (numbers compared as numbers, not text), b running,
    /// c never started (attempt 0), d without any row, z not in the selection (last).
    /// </summary>
    private async Task<IRunStore> RunWithRetriesAsync()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("c", "a", "b", "d"), CancellationToken.None);
        await store.WriteAsync(new RunWriteBatch
        {
            RunId = "r",
            Attempts =
            [
                Attempt("r", "a", 1, AttemptState.Failed, 3) with { Stdout = "first try of a\n", Stderr = "boom\n" },
                Attempt("r", "a", 2, AttemptState.Failed, 3),
                Attempt("r", "a", 9, AttemptState.Failed, 3),
                Attempt("r", "a", 11, AttemptState.Succeeded, 0) with { Stderr = "warn\n", StdoutLog = "/logs/a.out", StderrLog = "/logs/a.err" },
                Attempt("r", "b", 1, AttemptState.Failed, 1),
                Attempt("r", "b", 2, AttemptState.Running) with { Stdout = "partial\n" },
                Attempt("r", "c", 0, AttemptState.NotRun),
                Attempt("r", "z", 1, AttemptState.Succeeded, 0),
            ],
        }, CancellationToken.None);
        return store;
    }

    private static string Row(TargetAttemptRecord a) =>
        $"{a.Target}:{a.Attempt}:{a.State.ToWireName()}:{a.ExitCode}:{a.Error}|{a.Stdout}|{a.Stderr}|{a.StdoutLog}|{a.StderrLog}".ReplaceLineEndings("/");

    [Fact(Timeout = 30000)]
    public async Task LatestOnly_WithRetries_KeepsTheLastAttemptOfEachTarget_InSelectionOrder_WithOutput()
    {
        IRunStore store = await RunWithRetriesAsync();

        IReadOnlyList<TargetAttemptRecord> latest = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true }, CancellationToken.None);

        Assert.Equal(
        [
            "c:0:not-run::||||",
            "a:11:succeeded:0:|out of a/|warn/|/logs/a.out|/logs/a.err",
            "b:2:running::|partial/|||",
            "z:1:succeeded:0:|out of z/|||",
        ], latest.Select(Row));
        Assert.Equal(T0, latest[1].StartedAt);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(12.5), latest[1].EndedAt);
        Assert.Equal(1, latest[1].Wave);
    }

    [Fact(Timeout = 30000)]
    public async Task LatestOnly_WithoutOutput_ReadsEveryOtherColumn_AndNoOutput()
    {
        IRunStore store = await RunWithRetriesAsync();

        IReadOnlyList<TargetAttemptRecord> full = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> light = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, WithoutOutput = true }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> every = await store.GetAttemptsAsync("r", new AttemptQuery { WithoutOutput = true }, CancellationToken.None);

        Assert.Equal(full.Select(a => a with { Stdout = null, Stderr = null, StdoutLog = null, StderrLog = null }), light);
        Assert.Equal(["c:0:not-run::||||", "a:11:succeeded:0:||||", "b:2:running::||||", "z:1:succeeded:0:||||"], light.Select(Row));
        Assert.Equal(8, every.Count);
        Assert.All(every, a => Assert.True(a.Stdout is null && a.Stderr is null && a.StdoutLog is null && a.StderrLog is null, Row(a)));
        Assert.Equal("exit code 3", every.Single(a => a is { Target: "a", Attempt: 1 }).Error);
    }

    [Fact(Timeout = 30000)]
    public async Task LatestOnly_ForSomeTargets_ReadsThoseOnly_WithStateAndTargetFiltersApplied()
    {
        IRunStore store = await RunWithRetriesAsync();

        IReadOnlyList<TargetAttemptRecord> page = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, Targets = ["z", "a", "d", "a"] }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> none = await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, Targets = [] }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> both = await store.GetAttemptsAsync("r", new AttemptQuery { Target = "b", Targets = ["a", "z"] }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> everyOfA = await store.GetAttemptsAsync("r", new AttemptQuery { Targets = ["a"] }, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> failed = await store.GetAttemptsAsync("r", new AttemptQuery
        {
            LatestOnly = true, Targets = ["a", "b"], States = new HashSet<AttemptState> { AttemptState.Failed },
        }, CancellationToken.None);

        // In selection order (a before z, which is not in the selection), the latest attempt with its output.
        Assert.Equal(["a:11:succeeded:0:|out of a/|warn/|/logs/a.out|/logs/a.err", "z:1:succeeded:0:|out of z/|||"], page.Select(Row));
        Assert.Empty(none);
        Assert.Empty(both);
        Assert.Equal([1, 2, 9, 11], everyOfA.Select(a => a.Attempt));
        Assert.Equal("first try of a\n", everyOfA[0].Stdout);
        Assert.Empty(failed); // the state filter applies to the latest attempt: a succeeded at 11, b is running
    }

    [Fact(Timeout = 30000)]
    public async Task LatestOnly_OfAnUnknownRun_IsEmpty_AndOtherRunsAreNotMixedIn()
    {
        IRunStore store = await RunWithRetriesAsync();
        await store.CreateRunAsync(NewRun("r2"), Targets("a"), CancellationToken.None);
        await store.WriteAsync(new RunWriteBatch { RunId = "r2", Attempts = [Attempt("r2", "a", 12, AttemptState.Failed, 1)] }, CancellationToken.None);

        Assert.Empty(await store.GetAttemptsAsync("nope", new AttemptQuery { LatestOnly = true }, CancellationToken.None));
        Assert.Equal(11, (await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, Target = "a" }, CancellationToken.None)).Single().Attempt);
        Assert.Equal(["a:12:failed:1:exit code 3||||"], (await store.GetAttemptsAsync("r2", new AttemptQuery { LatestOnly = true, WithoutOutput = true }, CancellationToken.None)).Select(Row));
    }

    [Fact(Timeout = 30000)]
    public async Task Targets_MoreThanTheStoreReadsAtOnce_IsAClearError()
    {
        IRunStore store = await RunWithRetriesAsync();
        string[] most = [.. Enumerable.Range(0, RunRecords.MaxNamedTargets - 2).Select(i => $"n{i}"), "a", "z"]; // 10,000 names
        string[] many = [.. most, "n-one-more"];

        Assert.Equal(["a", "z"], (await store.GetAttemptsAsync("r", new AttemptQuery { LatestOnly = true, Targets = most }, CancellationToken.None)).Select(a => a.Target));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.GetAttemptsAsync("r", new AttemptQuery { Targets = many }, CancellationToken.None));

        Assert.Contains("at most 10,000 targets (10,001 given)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AttemptSql_HasNoCorrelatedSubquery_AndTheLightReadNamesNoOutputColumn(bool withoutOutput)
    {
        string sql = RunRecords.AttemptSql(new AttemptQuery { LatestOnly = true, WithoutOutput = withoutOutput, Target = "a" }, 3);

        Assert.DoesNotContain("MAX(", sql, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SELECT", sql[6..], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("a.target IN (@t0, @t1, @t2)", sql, StringComparison.Ordinal);
        Assert.Equal(!withoutOutput, sql.Contains("stdout", StringComparison.Ordinal));
        Assert.Equal(!withoutOutput, sql.Contains("stderr", StringComparison.Ordinal));
    }
}
