using System.Diagnostics;
using Fanout.Runs;
using Fanout.Security;
using Npgsql;

namespace Fanout.Storage.Tests;

/// <summary>The store contract on PostgreSQL (a fresh database per test in the throwaway cluster).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreTests(PostgresCluster cluster) : RunStoreTests
{
    private string? _url;

    private protected override async Task<StoreLocation> CreateLocationAsync()
    {
        _url = await cluster.CreateDatabaseAsync();
        return StoreLocation.Resolve(_url) with { LogDirectory = Path.Combine(TempDirectory, "logs") };
    }

    [Fact(Timeout = 60000)]
    public async Task Write_WhenTheServerDroppedThePoolsConnections_IsRetriedAndLandsOnce()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a"), CancellationToken.None);
        await store.WriteAsync(new RunWriteBatch { RunId = "r", Attempts = [Attempt("r", "a", 1, AttemptState.Running)] }, CancellationToken.None);

        // As a server restart or an administrator would: every connection the store's pool holds is closed by the server.
        string database = new Uri(_url!).AbsolutePath.Trim('/');
        await using (var admin = new NpgsqlConnection($"Host=127.0.0.1;Port={cluster.Port};Username=fanout;Database=postgres;Pooling=false"))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", admin);
            kill.Parameters.AddWithValue("db", database);
            Assert.True((long)(await kill.ExecuteScalarAsync())! >= 1, "the store held no connection to drop");
        }

        // The recorder's next write meets a dead pooled connection: it is retried on a fresh one, not failed (or lost).
        await store.WriteAsync(new RunWriteBatch
        {
            RunId = "r",
            Attempts = [Attempt("r", "a", 1, AttemptState.Succeeded)],
            Events = [new RunEventRecord("r", 1, "TargetFinished", T0, "{}")],
            Counts = new RunCounts(1, 1, 0, 0, 0, 0, 0),
        }, CancellationToken.None);
        IRunStore reader = await OpenAsync(); // a fresh pool: the first one may hold more dropped connections
        Assert.Equal(AttemptState.Succeeded, Assert.Single(await reader.GetAttemptsAsync("r", null, CancellationToken.None)).State);
        Assert.Equal(1, await reader.GetLastSequenceAsync("r", CancellationToken.None));
        Assert.Equal(1, (await reader.GetRunAsync("r", CancellationToken.None))!.Counts.Succeeded);
    }

    [Fact(Timeout = 30000)]
    public async Task BulkWrites_TextWithNul_AreRefusedWholeWithAClearError()
    {
        // PostgreSQL's text cannot hold U+0000: the write is refused before anything is sent, and nothing of it is stored
        // (never a silently altered value). SQLite stores it (SqliteRunStoreTests).
        IFanoutStore store = await OpenAsync();
        AuditEntry ok = new() { Timestamp = T0, Actor = "ci", Action = "batch.create" };
        await store.Audit.AppendAuditAsync([ok], CancellationToken.None);

        var e = await Assert.ThrowsAsync<StoreException>(() => store.Audit.AppendAuditAsync(
            [ok with { Action = "execution.start" }, ok with { Action = "execution.finish", Detail = "out\0put" }], CancellationToken.None));
        Assert.Contains("audit_log.detail of row 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
        Assert.Equal(ok, Assert.Single(await store.Audit.QueryAuditAsync(new AuditQuery(), CancellationToken.None)) with { Id = 0 });

        var t = await Assert.ThrowsAsync<StoreException>(() => store.CreateRunAsync(NewRun("r"), Targets("a", "x\0y"), CancellationToken.None));
        Assert.Contains("run_targets.target of row 2", t.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetRunAsync("r", CancellationToken.None));
    }

    [Fact(Timeout = 60000)]
    public async Task BulkWrites_AreOneCopyPerWrite_NotOneStatementPerRow()
    {
        // Every statement Npgsql sends is traced (ActivitySource "Npgsql": commands, batches — whose text is all their
        // statements — and COPY). Count the statements writing audit_log and run_targets sent while this test's trace is current.
        IFanoutStore store = await OpenAsync();
        await store.Audit.AppendAuditAsync([new AuditEntry { Timestamp = T0, Actor = "ci", Action = "warm-up" }], CancellationToken.None);
        using var trace = new Activity("bulk-writes-test").Start();
        var texts = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace.TraceId)
                {
                    lock (texts)
                    {
                        texts.Add(string.Join("\n", activity.TagObjects.Select(tag => tag.Value as string).Where(v => v is not null)));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await store.Audit.AppendAuditAsync([.. Enumerable.Range(0, 10_000).Select(i => new AuditEntry
        {
            Timestamp = T0.AddMilliseconds(i), Actor = "ci", Action = "execution.finish", BatchId = "b", Target = $"t{i}", DurationMs = i,
        })], CancellationToken.None);
        await store.CreateRunAsync(NewRun("big"), [.. Enumerable.Range(0, 25_000).Select(i => new RunTargetRecord($"t{i}", 1))], CancellationToken.None);
        trace.Stop();

        int Statements(string prefix)
        {
            lock (texts)
            {
                return texts.Sum(t => t.Split(prefix).Length - 1);
            }
        }

        Assert.True(texts.Count > 0, "no Npgsql span was seen: the check cannot tell one statement per row from one per write");
        Assert.Equal(0, Statements("INSERT INTO audit_log "));
        Assert.Equal(1, Statements("COPY audit_log "));   // 10,000 rows
        Assert.Equal(0, Statements("INSERT INTO run_targets "));
        Assert.Equal(1, Statements("COPY run_targets ")); // 25,000 rows
        Assert.Equal(10_001, (await store.Audit.QueryAuditAsync(new AuditQuery { Limit = 20_000 }, CancellationToken.None)).Count);
        Assert.Equal(25_000, (await store.GetRunTargetsAsync("big", CancellationToken.None)).Count);
    }
}
