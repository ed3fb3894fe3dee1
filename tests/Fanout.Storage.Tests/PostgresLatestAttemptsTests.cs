using System.Diagnostics;
using Fanout.Runs;
using Npgsql;
using Xunit.Abstractions;

namespace Fanout.Storage.Tests;

/// <summary>
/// Issue 15: the status page of a 20,000-target run on PostgreSQL. Its latest-attempt read was a correlated
/// <c>MAX(attempt)</c> subquery per row, with every output column; on a freshly filled table (no statistics yet) it was planned
/// as a scan per row and hit the 30 s command timeout under the bench's recording. Now: one ordered pass without output (a
/// plan with no sub-plan) and the output of the page's targets only. The figures go to the test output.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLatestAttemptsTests(PostgresCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Targets = 20_000;

    /// <summary>The read of every latest attempt as it was before issue 15 (for the comparison only).</summary>
    private const string OldSql =
        "SELECT a.run_id, a.target, a.attempt, a.state, a.exit_code, a.wave, a.started_at, a.ended_at, a.stdout, a.stderr, a.stdout_log, a.stderr_log, a.error " +
        "FROM target_attempts a LEFT JOIN run_targets t ON t.run_id = a.run_id AND t.target = a.target " +
        "WHERE a.run_id = @id AND a.attempt = (SELECT MAX(m.attempt) FROM target_attempts m WHERE m.run_id = a.run_id AND m.target = a.target) " +
        "ORDER BY COALESCE(t.ordinal, 2147483647), a.target, a.attempt";

    private readonly string _logs = Directory.CreateTempSubdirectory("fanout-pg-latest-").FullName;
    private IFanoutStore _store = null!;
    private string _connection = null!;

    public async Task InitializeAsync()
    {
        string url = await cluster.CreateDatabaseAsync();
        _connection = $"Host=127.0.0.1;Port={cluster.Port};Username=fanout;Database={new Uri(url).AbsolutePath.Trim('/')};Pooling=false";
        _store = await StoreFactory.OpenAsync(StoreLocation.Resolve(url) with { LogDirectory = _logs }, TimeProvider.System, null, CancellationToken.None);
        DateTimeOffset t0 = DateTimeOffset.UtcNow;
        string[] names = [.. Enumerable.Range(0, Targets).Select(i => $"node-{i:D5}")];
        await _store.CreateRunAsync(new RunRecord
        {
            RunId = "big", Kind = "exec", Name = "exec: noop", Actor = "bench", StartedAt = t0, Status = RunStatus.Succeeded,
            Counts = new RunCounts(Targets, Targets, 0, 0, 0, 0, 0),
        }, [.. names.Select((n, i) => new RunTargetRecord(n, 1 + (i / 1000)))], CancellationToken.None);

        // Every target succeeded with a few hundred bytes of output; every tenth was retried once (its first attempt failed).
        string stdout = string.Concat(Enumerable.Repeat("a line of noop output\n", 16));
        foreach (string[] chunk in names.Chunk(2000))
        {
            var attempts = new List<TargetAttemptRecord>();
            foreach (string n in chunk)
            {
                int i = int.Parse(n.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
                if (i % 10 == 0)
                {
                    attempts.Add(new() { RunId = "big", Target = n, Attempt = 1, State = AttemptState.Failed, ExitCode = 1, Wave = 1 + (i / 1000), StartedAt = t0, EndedAt = t0.AddMilliseconds(5), Stdout = stdout, Error = "exit code 1" });
                }

                attempts.Add(new() { RunId = "big", Target = n, Attempt = i % 10 == 0 ? 2 : 1, State = AttemptState.Succeeded, ExitCode = 0, Wave = 1 + (i / 1000), StartedAt = t0, EndedAt = t0.AddMilliseconds(9), Stdout = stdout });
            }

            await _store.WriteAsync(new RunWriteBatch { RunId = "big", Attempts = attempts }, CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_logs, recursive: true);
    }

    [Fact(Timeout = 600_000)]
    public async Task LatestAttempts_Of20000Targets_OnePassWithoutSubPlan_OutputOfThePageOnly()
    {
        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        string light = Inline(RunRecords.AttemptSql(new AttemptQuery { LatestOnly = true, WithoutOutput = true }, 0));
        string page = Inline(RunRecords.AttemptSql(new AttemptQuery { LatestOnly = true }, 1)).Replace("@t0", "'node-00000'", StringComparison.Ordinal);

        // As the bench's poll met it: a freshly filled table, before any ANALYZE (autovacuum has not come by yet).
        string lightPlan = await ExplainAsync(connection, "new, light (fresh table)", light);
        await ExplainAsync(connection, "new, page of 1 (fresh table)", page);
        await ExplainAsync(connection, "old (fresh table)", Inline(OldSql), timeoutSeconds: 240);
        await using (var analyze = new NpgsqlCommand("ANALYZE target_attempts; ANALYZE run_targets", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        string analyzedPlan = await ExplainAsync(connection, "new, light (analyzed)", light);
        await ExplainAsync(connection, "old (analyzed)", Inline(OldSql), timeoutSeconds: 240);

        Assert.DoesNotContain("SubPlan", lightPlan, StringComparison.Ordinal);
        Assert.DoesNotContain("SubPlan", analyzedPlan, StringComparison.Ordinal);

        // No join either: with another run's statistics and a freshly filled new run, PostgreSQL planned the join with
        // run_targets as a nested loop comparing every attempt with every target of the run (75 s for 20,000 targets).
        Assert.DoesNotContain("Join", lightPlan, StringComparison.Ordinal);
        Assert.DoesNotContain("Join", analyzedPlan, StringComparison.Ordinal);

        // What a pageSize=1 status read costs in store reads, median of 5 each, taken in turns: before, every latest row with
        // its output (the old SQL); now, the light rows and the page's one full row.
        var before = new List<double>();
        var after = new List<double>();
        int oldRows = 0;
        IReadOnlyList<TargetAttemptRecord> rows = [];
        IReadOnlyList<TargetAttemptRecord> full = [];
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            oldRows = 0;
            await using (var old = new NpgsqlCommand(OldSql, connection) { CommandTimeout = 240 })
            {
                old.Parameters.AddWithValue("id", "big");
                await using NpgsqlDataReader r = await old.ExecuteReaderAsync();
                while (await r.ReadAsync())
                {
                    _ = r.IsDBNull(8) ? null : r.GetString(8);
                    oldRows++;
                }
            }

            before.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            rows = await _store.GetAttemptsAsync("big", new AttemptQuery { LatestOnly = true, WithoutOutput = true }, CancellationToken.None);
            full = await _store.GetAttemptsAsync("big", new AttemptQuery { LatestOnly = true, Targets = ["node-00000"] }, CancellationToken.None);
            after.Add(watch.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"pageSize=1 store reads, median of 5: before {before.Order().ElementAt(2):F0} ms ({oldRows} rows with output; {string.Join(", ", before.Select(x => x.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}), " +
            $"after {after.Order().ElementAt(2):F0} ms ({rows.Count} light rows + {full.Count} full; {string.Join(", ", after.Select(x => x.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})");

        Assert.Equal(Targets, oldRows);
        Assert.Equal(Targets, rows.Count);
        Assert.All(rows, a => Assert.Null(a.Stdout));
        Assert.Equal(2000, rows.Count(a => a.Attempt == 2));
        Assert.Equal(["node-00000:2:succeeded"], full.Select(a => $"{a.Target}:{a.Attempt}:{a.State.ToWireName()}"));
        Assert.StartsWith("a line of noop output", full[0].Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600_000)]
    public async Task LatestAttempts_OfARunWhileItRecords_OldAndNewReadTimes()
    {
        // A 20,000-target run read while it records as the recorder writes: 1,000 `running` rows per transaction, then their
        // outcomes, upserted (and again, pass after pass, so the reads meet rows being rewritten all the time).
        await _store.CreateRunAsync(new RunRecord
        {
            RunId = "live", Kind = "exec", Name = "exec: noop", Actor = "bench", StartedAt = DateTimeOffset.UtcNow, Status = RunStatus.Succeeded,
            Counts = new RunCounts(Targets, 0, 0, 0, 0, 0, 0),
        }, [.. Enumerable.Range(0, Targets).Select(i => new RunTargetRecord($"node-{i:D5}", 1))], CancellationToken.None);
        using var stop = new CancellationTokenSource();
        int written = 0;
        Task writer = Task.Run(async () =>
        {
            for (int round = 0; !stop.IsCancellationRequested; round++)
            {
                foreach (int[] chunk in Enumerable.Range(0, Targets).Chunk(1000))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    DateTimeOffset now = DateTimeOffset.UtcNow;
                    foreach (AttemptState state in new[] { AttemptState.Running, AttemptState.Succeeded })
                    {
                        await _store.WriteAsync(new RunWriteBatch
                        {
                            RunId = "live",
                            Attempts = [.. chunk.Select(i => new TargetAttemptRecord
                            {
                                RunId = "live", Target = $"node-{i:D5}", Attempt = 1, State = state, Wave = 1, StartedAt = now,
                                EndedAt = state == AttemptState.Running ? null : now.AddMilliseconds(3), ExitCode = state == AttemptState.Running ? null : 0,
                            })],
                        }, CancellationToken.None);
                        Interlocked.Add(ref written, chunk.Length);
                    }
                }
            }
        });

        await using var connection = new NpgsqlConnection(_connection);
        await connection.OpenAsync();
        var before = new List<double>();
        var after = new List<double>();
        for (int round = 0; round < 8; round++)
        {
            var watch = Stopwatch.StartNew();
            await using (var old = new NpgsqlCommand(OldSql, connection) { CommandTimeout = 240 })
            {
                old.Parameters.AddWithValue("id", "live");
                await using NpgsqlDataReader r = await old.ExecuteReaderAsync();
                int n = 0;
                while (await r.ReadAsync())
                {
                    _ = r.IsDBNull(8) ? null : r.GetString(8);
                    n++;
                }

                Assert.InRange(n, 0, Targets);
            }

            before.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            Assert.InRange((await _store.GetAttemptsAsync("live", new AttemptQuery { LatestOnly = true, WithoutOutput = true }, CancellationToken.None)).Count, 0, Targets);
            Assert.InRange((await _store.GetAttemptsAsync("live", new AttemptQuery { LatestOnly = true, Targets = ["node-00000"] }, CancellationToken.None)).Count, 0, 1);
            after.Add(watch.Elapsed.TotalMilliseconds);
        }

        await stop.CancelAsync();
        await writer;
        static string Figures(List<double> ms) =>
            $"median {ms.Order().ElementAt(ms.Count / 2):F0} ms, max {ms.Max():F0} ms ({string.Join(", ", ms.Select(x => x.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))})";
        output.WriteLine($"while the run recorded ({written} attempt rows written): pageSize=1 store reads before {Figures(before)}; after {Figures(after)}");
        Assert.True(written > 0, "the run recorded nothing meanwhile");
    }

    private static string Inline(string sql) => sql.Replace("@id", "'big'", StringComparison.Ordinal);

    private async Task<string> ExplainAsync(NpgsqlConnection connection, string what, string sql, int timeoutSeconds = 60)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, connection) { CommandTimeout = timeoutSeconds };
        var plan = new System.Text.StringBuilder();
        try
        {
            await using NpgsqlDataReader r = await explain.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                plan.AppendLine(r.GetString(0));
            }
        }
        catch (NpgsqlException e) when (e.InnerException is TimeoutException || e is PostgresException { SqlState: "57014" })
        {
            plan.AppendLine($"(cancelled after {timeoutSeconds} s)");
        }

        output.WriteLine($"--- {what}\n{plan}");
        return plan.ToString();
    }
}
