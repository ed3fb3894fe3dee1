using Fanout.Runs;
using Microsoft.Data.Sqlite;

namespace Fanout.Storage.Tests;

/// <summary>
/// Issue 12 item 13: a run list (<c>fanout history</c>, <c>GET /api/runs?limit=N</c>) reads the index in order and stops, for
/// every limit and filter — the plan is tested, not only the result — and never reads the large definition columns.
/// </summary>
public sealed class RunListQueryPlanTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-plan-").FullName;
    private IRunStore _store = null!;

    private string DbPath => Path.Combine(_dir, "fanout.db");

    public async Task InitializeAsync()
    {
        _store = await StoreFactory.OpenAsync(DbPath, CancellationToken.None);
        DateTimeOffset t0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 400; i++)
        {
            await _store.CreateRunAsync(new RunRecord
            {
                RunId = $"run-{i:D4}",
                Kind = i % 3 == 0 ? "workflow" : "exec",
                Name = $"op-{i % 7}",
                Actor = "alice",
                Operation = i == 17 ? new string('x', 2_000_000) : "{\"command\":\"true\"}",
                StartedAt = t0.AddSeconds(i % 50), // many equal start times: the run id breaks ties
                Status = i % 4 == 0 ? RunStatus.Failed : RunStatus.Succeeded,
                Counts = RunCounts.Empty,
            }, [], CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<int, string?, string?> Queries { get; } = new()
    {
        { 1, null, null }, { 2, null, null }, { 3, null, null }, { 4, null, null }, { 5, null, null }, { 20, null, null }, { 1000, null, null },
        { 1, "failed", null }, { 4, "failed", null }, { 100, "failed", null },
        { 1, null, "exec" }, { 4, null, "workflow" }, { 3, "succeeded", "workflow" },
    };

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Queries))]
    public async Task RunList_IsPlannedOnTheIndex_WithoutATableScanOrASort(int limit, string? status, string? kind)
    {
        var query = new RunQuery { Limit = limit, Status = status is null ? null : RunStatusExtensions.TryParseWireName(status), Kind = kind };
        await using var connection = new SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync();
        await using (SqliteCommand analyze = connection.CreateCommand())
        {
            // Statistics are what made SQLite prefer a scan and a sort for small limits.
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync();
        }

        await using SqliteCommand explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + RunRecords.RunListSql(query);
        explain.Parameters.AddWithValue("@limit", limit);
        explain.Parameters.AddWithValue("@status", status ?? (object)DBNull.Value);
        explain.Parameters.AddWithValue("@kind", kind ?? (object)DBNull.Value);
        explain.Parameters.AddWithValue("@name", DBNull.Value);
        var plan = new List<string>();
        await using (SqliteDataReader reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        string text = string.Join(" | ", plan);
        Assert.DoesNotContain("TEMP B-TREE", text, StringComparison.Ordinal);
        Assert.Contains("USING INDEX ix_runs_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN runs |", text + " |", StringComparison.Ordinal); // a scan only through an index
    }

    [Fact(Timeout = 60000)]
    public async Task RunList_ReturnsNewestFirst_WithoutTheDefinitionColumns()
    {
        IReadOnlyList<RunRecord> runs = await _store.QueryRunsAsync(new RunQuery { Limit = 3 }, CancellationToken.None);
        RunRecord? big = await _store.GetRunAsync("run-0017", CancellationToken.None);

        Assert.Equal(["run-0399", "run-0349", "run-0299"], runs.Select(r => r.RunId));
        Assert.All(runs, r => Assert.Null(r.Operation));
        Assert.Equal(2_000_000, big!.Operation!.Length);
    }
}
