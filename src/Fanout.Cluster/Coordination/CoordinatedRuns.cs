using Npgsql;

namespace Fanout.Cluster.Coordination;

/// <summary>Which silo coordinates a run (<c>cluster_runs</c>), and the run's owner columns as that silo wrote them.</summary>
/// <param name="Silo">The coordinating silo (<c>ip:port@generation</c>).</param>
/// <param name="OwnerHost">The run's <c>owner_host</c> under that coordinator.</param>
/// <param name="OwnerPid">The run's <c>owner_pid</c> under that coordinator.</param>
internal sealed record RunCoordinator(string Silo, string OwnerHost, int OwnerPid);

/// <summary>
/// The <c>cluster_runs</c> table: one row per run coordinated in the cluster, naming the silo that coordinates it. Written when a
/// silo starts (or takes over) a run, removed when the run ends; read by the run's <see cref="RunCoordinatorGrain"/>.
/// </summary>
internal sealed class CoordinatedRuns(string connectionString, string clusterId) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    /// <summary>Records that <paramref name="coordinator"/> coordinates <paramref name="runId"/> from now on.</summary>
    public async Task SetAsync(string runId, RunCoordinator coordinator, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO cluster_runs (run_id, cluster_id, silo, owner_host, owner_pid, updated_at) VALUES (@run, @cluster, @silo, @host, @pid, now())
            ON CONFLICT (run_id) DO UPDATE SET cluster_id = EXCLUDED.cluster_id, silo = EXCLUDED.silo, owner_host = EXCLUDED.owner_host,
                owner_pid = EXCLUDED.owner_pid, updated_at = EXCLUDED.updated_at
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("cluster", clusterId);
        command.Parameters.AddWithValue("silo", coordinator.Silo);
        command.Parameters.AddWithValue("host", coordinator.OwnerHost);
        command.Parameters.AddWithValue("pid", coordinator.OwnerPid);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The coordinator of <paramref name="runId"/>, or <see langword="null"/> when no silo of this cluster coordinates it.</summary>
    public async Task<RunCoordinator?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand("SELECT silo, owner_host, owner_pid FROM cluster_runs WHERE run_id = @run AND cluster_id = @cluster");
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("cluster", clusterId);
        await using NpgsqlDataReader row = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await row.ReadAsync(cancellationToken).ConfigureAwait(false) ? new RunCoordinator(row.GetString(0), row.GetString(1), row.GetInt32(2)) : null;
    }

    /// <summary>Forgets the run's coordinator if it is still <paramref name="silo"/> (a silo that took the run over keeps its row).</summary>
    public async Task RemoveAsync(string runId, string silo, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _source.CreateCommand("DELETE FROM cluster_runs WHERE run_id = @run AND silo = @silo");
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("silo", silo);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
