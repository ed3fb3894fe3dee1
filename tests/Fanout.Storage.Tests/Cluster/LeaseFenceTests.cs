using Fanout.Cluster.Dispatch;
using Npgsql;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Lease epochs and fencing (issue 15) against a real PostgreSQL store with Fanout's migrations applied: a report written
/// with a superseded epoch is rejected by the store and counted; the current epoch's report is recorded once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LeaseFenceTests(PostgresCluster postgres)
{
    [Fact(Timeout = 120000)]
    public async Task StaleEpochReport_IsRejectedAndCounted_CurrentEpochIsRecordedOnce()
    {
        string url = await postgres.CreateDatabaseAsync();
        await using (IFanoutStore store = await StoreFactory.OpenAsync(url, CancellationToken.None))
        {
            // opening the store applies the migrations, cluster_leases included
        }

        string connectionString = StoreLocation.ToConnectionString(url).ConnectionString;
        var metrics = new ClusterMetrics();
        await using var fence = new LeaseFence(connectionString, metrics);

        // First grant of t1 and t2 to worker A: epoch 1 each.
        IReadOnlyDictionary<string, long> first = await fence.GrantAsync("run1", "worker-a", [("t1", 1, Guid.NewGuid()), ("t2", 1, Guid.NewGuid())], CancellationToken.None);
        Assert.Equal(1, first["t1"]);
        Assert.Equal(1, first["t2"]);

        // Worker A declared dead: t1 is re-issued to worker B with the next epoch.
        IReadOnlyDictionary<string, long> second = await fence.GrantAsync("run1", "worker-b", [("t1", 1, Guid.NewGuid())], CancellationToken.None);
        Assert.Equal(2, second["t1"]);

        // A's late report on t1 (epoch 1) is rejected and counted; B's (epoch 2) is recorded; a repeat of it is rejected too.
        bool[] results = await Task.WhenAll(fence.AcceptAsync("run1", "t1", 1), fence.AcceptAsync("run1", "t2", 1));
        Assert.False(results[0]);
        Assert.True(results[1]);
        Assert.Equal(1, metrics.StaleReportsRejected);
        Assert.True(await fence.AcceptAsync("run1", "t1", 2));
        Assert.False(await fence.AcceptAsync("run1", "t1", 2));
        Assert.Equal(2, metrics.StaleReportsRejected);

        // The store holds the newest lease: epoch 2, worker B, reported.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT epoch, worker, state FROM cluster_leases WHERE run_id = 'run1' AND target = 't1'", connection);
        await using NpgsqlDataReader row = await command.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(2, row.GetInt64(0));
        Assert.Equal("worker-b", row.GetString(1));
        Assert.Equal("reported", row.GetString(2));
    }
}
