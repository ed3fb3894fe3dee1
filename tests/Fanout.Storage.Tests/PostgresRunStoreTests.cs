using Fanout.Runs;
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
}
