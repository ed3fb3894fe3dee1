using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Fanout.Documents;
using Fanout.Runs;
using Fanout.Server.Batches;
using Microsoft.Extensions.DependencyInjection;

namespace Fanout.Server.Tests.Batches;

/// <summary>
/// Issue 15: the status page of a stored run (one this server does not hold in memory: a CLI run, a clustered run coordinated
/// elsewhere) reads every target's latest attempt without output, and the output of the page's targets only — and the
/// document is the one the old read (every latest attempt with its output) built, value for value.
/// </summary>
public sealed class StoredStatusPageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 5, 0, 0, TimeSpan.Zero);

    private ServerHost _host = null!;
    private IRunStore _counted = null!;
    private BatchStatusReader _reader = null!;
    private readonly ConcurrentQueue<AttemptQuery> _queries = new();

    public async Task InitializeAsync()
    {
        _host = await ServerHost.StartAsync(bigTargets: 1);
        _counted = CountingStore.Wrap(_host.Store, _queries);
        _reader = new BatchStatusReader(_host.Services.GetRequiredService<BatchQueue>(), _counted);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>(states, page, pageSize) of the pages compared.</summary>
    public static TheoryData<string?, int, int> Pages { get; } = new()
    {
        { null, 1, 1 }, { null, 1, 100 }, { null, 2, 7 }, { null, 4, 7 }, { null, 99, 10 },
        { "failed", 1, 3 }, { "failed", 2, 3 }, { "succeeded,failed", 2, 2 }, { "queued,running", 1, 5 }, { "not-run", 1, 2 }, { "timed-out", 1, 100 },
    };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Pages))]
    public async Task EndedRun_WithRetriesWavesAndFilters_IsTheOldDocument_WithOutputReadForThePageOnly(string? filter, int page, int pageSize)
    {
        await StoreRunAsync("ended", running: false);
        IReadOnlySet<string>? states = filter?.Split(',').ToHashSet(StringComparer.Ordinal);

        for (int poll = 0; poll < 2; poll++) // the second poll is answered from the ended-run cache
        {
            _queries.Clear();
            BatchStatusDocument document = (await _reader.ReadAsync("ended", states, page, pageSize, CancellationToken.None))!;

            Assert.Equal(Json(await OldDocumentAsync("ended", states, page, pageSize)), Json(document));
            AssertOutputReadForThePageOnly(document, pageSize, lightReads: poll == 0 ? 1 : 0);
        }
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Pages))]
    public async Task RunningRun_IsTheOldDocument_WithOutputReadForThePageOnly(string? filter, int page, int pageSize)
    {
        await StoreRunAsync("live", running: true);
        IReadOnlySet<string>? states = filter?.Split(',').ToHashSet(StringComparer.Ordinal);

        BatchStatusDocument document = (await _reader.ReadAsync("live", states, page, pageSize, CancellationToken.None))!;

        Assert.Equal("running", document.Status);
        Assert.Equal(Json(await OldDocumentAsync("live", states, page, pageSize)), Json(document));
        AssertOutputReadForThePageOnly(document, pageSize, lightReads: 1);
    }

    [Fact(Timeout = 120000)]
    public async Task RunningRun_PolledAgainWithinASecond_ReusesItsRows_ButNotAfterwards_NorOnceItEnded()
    {
        // Clients polling a big run through a server that does not coordinate it: one read of the run's rows a second, however
        // many polls; the page's output is read fresh each time; the end of the run is seen at once.
        await StoreRunAsync("live", running: true);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var reader = new BatchStatusReader(_host.Services.GetRequiredService<BatchQueue>(), _counted, time);
        async Task<(BatchStatusDocument Document, int LightReads)> PollAsync()
        {
            _queries.Clear();
            BatchStatusDocument document = (await reader.ReadAsync("live", null, 1, 100, CancellationToken.None))!;
            return (document, _queries.Count(q => q is { WithoutOutput: true, LatestOnly: true, Targets: null }));
        }

        (BatchStatusDocument first, int reads) = await PollAsync();
        Assert.Equal(1, reads);
        Assert.Equal(5, first.Counts.Running);
        await _host.Store.WriteAsync(new RunWriteBatch
        {
            RunId = "live",
            Attempts = [new TargetAttemptRecord { RunId = "live", Target = "n15", Attempt = 1, State = AttemptState.Succeeded, ExitCode = 0, Wave = 2, StartedAt = T0, EndedAt = T0.AddSeconds(1), Stdout = "now done\n" }],
        }, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(900));
        (BatchStatusDocument cached, reads) = await PollAsync();
        Assert.Equal(0, reads);
        Assert.Equal(5, cached.Counts.Running); // the rows of 0.9 s ago
        Assert.Equal("now done\n", cached.Executions.Single(e => e.NodeId == "n15").Stdout); // the page's output, read now

        time.Advance(TimeSpan.FromMilliseconds(100));
        (BatchStatusDocument fresh, reads) = await PollAsync();
        Assert.Equal(1, reads);
        Assert.Equal(4, fresh.Counts.Running);
        Assert.Equal("succeeded", fresh.Executions.Single(e => e.NodeId == "n15").State);

        await _host.Store.FinishRunAsync("live", RunStatus.Failed, T0.AddMinutes(2), new RunCounts(25, 11, 5, 0, 0, 9, 0), null, CancellationToken.None);
        (BatchStatusDocument ended, reads) = await PollAsync();
        Assert.Equal(1, reads);
        Assert.Equal("failed", ended.Status);
    }

    [Fact(Timeout = 120000)]
    public async Task StatusEndpoint_OfAStoredRun_ShowsThePagesOutput()
    {
        await StoreRunAsync("ended", running: false);

        JsonElement status = await _host.GetJsonAsync("/api/executions/batch/ended?pageSize=1&page=2");

        JsonElement row = Assert.Single(status.GetProperty("executions").EnumerateArray());
        Assert.Equal("n01", row.GetProperty("nodeId").GetString());
        Assert.Equal(2, row.GetProperty("attempts").GetInt32());
        Assert.Equal("out of n01 attempt 2\n", row.GetProperty("stdout").GetString());
        Assert.Equal("err of n01 attempt 2\n", row.GetProperty("stderr").GetString());
        Assert.Equal(25, status.GetProperty("total").GetInt32());
        Assert.Equal(3, status.GetProperty("waves").GetArrayLength());
    }

    /// <summary>
    /// Every attempt read was either without output, or with output for the page's targets alone (at most a page of them);
    /// <paramref name="lightReads"/> light reads of the whole run.
    /// </summary>
    private void AssertOutputReadForThePageOnly(BatchStatusDocument document, int pageSize, int lightReads)
    {
        AttemptQuery[] queries = [.. _queries];
        Assert.Equal(lightReads, queries.Count(q => q is { WithoutOutput: true, Targets: null, Target: null, LatestOnly: true }));
        AttemptQuery[] withOutput = [.. queries.Where(q => !q.WithoutOutput)];
        Assert.Equal(document.Executions.Count == 0 ? 0 : 1, withOutput.Length);
        foreach (AttemptQuery q in withOutput)
        {
            Assert.True(q.LatestOnly);
            Assert.NotNull(q.Targets);
            Assert.True(q.Targets.Count <= pageSize);
            Assert.Equal(document.Executions.Select(e => e.NodeId).Order(StringComparer.Ordinal), q.Targets.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// A run of 25 targets n00–n24 in waves of 10 as the CLI or another server records it. Ended: n00–n09 succeeded, n01 and n05
    /// after a failed first attempt, n10–n14 failed (n12 retried twice), n15 timed out, n16–n19 never started (attempt-0 rows),
    /// n20–n24 have no row. Running: the same, but n15–n19 are running (with partial output) and n20–n24 have not started yet.
    /// </summary>
    private async Task StoreRunAsync(string id, bool running)
    {
        string[] names = [.. Enumerable.Range(0, 25).Select(i => $"n{i:D2}")];
        await _host.Store.CreateRunAsync(new RunRecord
        {
            RunId = id,
            Kind = "exec",
            Name = "exec: echo",
            Actor = "cli",
            StartedAt = T0,
            EndedAt = running ? null : T0.AddMinutes(1),
            Status = running ? RunStatus.Running : RunStatus.Failed,
            OwnerHost = Environment.MachineName,
            OwnerPid = Environment.ProcessId,
            LeaseExpiresAt = running ? DateTimeOffset.UtcNow.AddHours(1) : null,
            Counts = new RunCounts(25, 10, 5, 1, 0, 4, 0),
        }, [.. names.Select((n, i) => new RunTargetRecord(n, 1 + (i / 10)))], CancellationToken.None);

        var attempts = new List<TargetAttemptRecord>();
        TargetAttemptRecord A(int i, int attempt, AttemptState state, int? exit, double seconds) => new()
        {
            RunId = id,
            Target = names[i],
            Attempt = attempt,
            State = state,
            ExitCode = exit,
            Wave = 1 + (i / 10),
            StartedAt = state == AttemptState.NotRun ? null : T0.AddSeconds(seconds),
            EndedAt = state is AttemptState.NotRun or AttemptState.Running ? null : T0.AddSeconds(seconds + 0.25 + (i * 0.01)),
            Stdout = state == AttemptState.NotRun ? null : $"out of {names[i]} attempt {attempt}\n",
            Stderr = state == AttemptState.NotRun ? null : $"err of {names[i]} attempt {attempt}\n",
            Error = state is AttemptState.Failed or AttemptState.TimedOut ? $"exit code {exit}" : null,
        };
        for (int i = 0; i < 10; i++)
        {
            if (i is 1 or 5)
            {
                attempts.Add(A(i, 1, AttemptState.Failed, 1, i));
            }

            attempts.Add(A(i, i is 1 or 5 ? 2 : 1, AttemptState.Succeeded, 0, i + 1));
        }

        for (int i = 10; i < 15; i++)
        {
            attempts.AddRange(i == 12 ? [A(i, 1, AttemptState.Failed, 2, 20), A(i, 2, AttemptState.Failed, 2, 21), A(i, 3, AttemptState.Failed, 3, 22)] : [A(i, 1, AttemptState.Failed, 1, 20 + i)]);
        }

        attempts.Add(running ? A(15, 1, AttemptState.Running, null, 40) : A(15, 1, AttemptState.TimedOut, null, 40));
        for (int i = 16; i < 20; i++)
        {
            attempts.Add(running ? A(i, 1, AttemptState.Running, null, 41) : A(i, 0, AttemptState.NotRun, null, 0));
        }

        await _host.Store.WriteAsync(new RunWriteBatch { RunId = id, Attempts = attempts }, CancellationToken.None);
    }

    /// <summary>The document as the reader built it before issue 15: every target's latest attempt read with its output.</summary>
    private async Task<BatchStatusDocument> OldDocumentAsync(string id, IReadOnlySet<string>? states, int page, int pageSize)
    {
        RunRecord run = (await _host.Store.GetRunAsync(id, CancellationToken.None))!;
        bool running = !run.Status.IsFinal();
        string status = run.Status switch
        {
            RunStatus.Running or RunStatus.AwaitingApproval => "running",
            RunStatus.Queued => "queued",
            RunStatus.Succeeded => "succeeded",
            RunStatus.Failed => "failed",
            _ => "cancelled",
        };
        IReadOnlyList<RunTargetRecord> selection = await _host.Store.GetRunTargetsAsync(id, CancellationToken.None);
        var latest = (await _host.Store.GetAttemptsAsync(id, new AttemptQuery { LatestOnly = true }, CancellationToken.None)).ToDictionary(a => a.Target, StringComparer.Ordinal);
        var rows = new List<ExecutionDocument>();
        for (int i = 0; i < selection.Count; i++)
        {
            string name = selection[i].Target;
            int wave = Math.Max(1, selection[i].Wave);
            if (!latest.TryGetValue(name, out TargetAttemptRecord? a))
            {
                rows.Add(new ExecutionDocument($"{id}.{i + 1}", name, running ? "queued" : "not-run", null, null, null, null, null, wave, 0, null));
            }
            else
            {
                double? duration = a.StartedAt is { } start && a.EndedAt is { } end ? ResultDocuments.Milliseconds(end - start) : null;
                rows.Add(new ExecutionDocument($"{id}.{i + 1}", name, ResultDocuments.StateOf(a.State, running), a.ExitCode, duration,
                    a.Stdout, a.Stderr, a.Error, a.Wave == 0 ? wave : Math.Max(1, a.Wave), a.Attempt, a.StartedAt));
            }
        }

        return BatchStatusDocument.Build(id, status, run.Status.ToWireName(), rows, states, page, pageSize);
    }

    private static string Json(BatchStatusDocument document) => JsonSerializer.Serialize(document, Fanout.Server.Http.JsonBody.Options);

    /// <summary>A run store that records every attempt query it is asked, and otherwise answers as the real one.</summary>
    public class CountingStore : DispatchProxy
    {
        private IRunStore _inner = null!;
        private ConcurrentQueue<AttemptQuery> _queries = null!;

        internal static IRunStore Wrap(IRunStore inner, ConcurrentQueue<AttemptQuery> queries)
        {
            IRunStore proxy = Create<IRunStore, CountingStore>();
            var self = (CountingStore)(object)proxy;
            self._inner = inner;
            self._queries = queries;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IRunStore.GetAttemptsAsync))
            {
                _queries.Enqueue(args![1] as AttemptQuery ?? new AttemptQuery());
            }

            return targetMethod.Invoke(_inner, args);
        }
    }
}
