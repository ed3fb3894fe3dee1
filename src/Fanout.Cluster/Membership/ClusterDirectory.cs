using Npgsql;

namespace Fanout.Cluster.Membership;

/// <summary>
/// Reads and writes Fanout's row per silo (<c>cluster_members</c>: role, capacity, load) next to Orleans' own membership
/// table in the same PostgreSQL database. Reading needs no silo: <c>fanout cluster status</c> only opens the store.
/// </summary>
internal sealed class ClusterDirectory(string connectionString, string clusterId) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    /// <summary>
    /// Every silo Orleans knows in the cluster, newest first, with its status and Fanout's row if it wrote one — except the dead
    /// silos of ended CLI runs (<c>--on-workers</c>, named <c>cli@…</c>): one per run, they would bury the servers and workers.
    /// </summary>
    public async Task<IReadOnlyList<ClusterSilo>> ListAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT m.address || ':' || m.port || '@' || m.generation AS silo, m.siloname, m.status, m.starttime, m.iamalivetime,
                   c.name, c.role, c.max_targets, c.running, c.completed, c.pid, c.updated_at, c.labels
            FROM orleansmembershiptable m
            LEFT JOIN cluster_members c ON c.silo = m.address || ':' || m.port || '@' || m.generation AND c.cluster_id = m.deploymentid
            WHERE m.deploymentid = @cluster AND NOT (m.status = 6 AND m.siloname LIKE 'cli@%')
            ORDER BY m.starttime DESC, silo
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", clusterId);
        await using NpgsqlDataReader rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var members = new List<ClusterSilo>();
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            bool known = !rows.IsDBNull(5);
            DateTimeOffset started = Utc(rows.GetDateTime(3));
            DateTimeOffset alive = Utc(rows.GetDateTime(4));
            members.Add(new ClusterSilo(
                rows.GetString(0),
                known ? rows.GetString(5) : rows.GetString(1),
                known ? rows.GetString(6) : "unknown",
                StatusName(rows.GetInt32(2)),
                known ? rows.GetInt32(7) : 0,
                known ? rows.GetInt32(8) : 0,
                known ? rows.GetInt64(9) : 0,
                known ? rows.GetInt32(10) : 0,
                started,
                known ? Utc(rows.GetDateTime(11)) : alive)
            {
                Labels = known && rows.GetString(12) is { Length: > 0 } labels ? Fanout.Runs.WorkerLabels.Parse(labels) : Fanout.Runs.WorkerLabels.None,
            });
        }

        return members;
    }

    /// <summary>Writes (or refreshes) this silo's row.</summary>
    public async Task UpsertAsync(ClusterSilo member, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO cluster_members (silo, cluster_id, name, role, max_targets, running, completed, pid, started_at, updated_at, labels)
            VALUES (@silo, @cluster, @name, @role, @max, @running, @completed, @pid, @started, @updated, @labels)
            ON CONFLICT (silo) DO UPDATE SET running = EXCLUDED.running, completed = EXCLUDED.completed, updated_at = EXCLUDED.updated_at
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("silo", member.Silo);
        command.Parameters.AddWithValue("cluster", clusterId);
        command.Parameters.AddWithValue("name", member.Name);
        command.Parameters.AddWithValue("role", member.Role);
        command.Parameters.AddWithValue("max", member.MaxTargets);
        command.Parameters.AddWithValue("running", member.Running);
        command.Parameters.AddWithValue("completed", member.Completed);
        command.Parameters.AddWithValue("pid", member.Pid);
        command.Parameters.AddWithValue("started", member.StartedAt.UtcDateTime);
        command.Parameters.AddWithValue("updated", member.UpdatedAt.UtcDateTime);
        command.Parameters.AddWithValue("labels", Fanout.Runs.WorkerLabels.Format(member.Labels));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows of silos Orleans no longer lists (cleaned up by Orleans' defunct-silo cleanup) are removed with them.</summary>
    public async Task RemoveOrphansAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            DELETE FROM cluster_members c WHERE c.cluster_id = @cluster AND NOT EXISTS (
                SELECT 1 FROM orleansmembershiptable m
                WHERE m.deploymentid = c.cluster_id AND c.silo = m.address || ':' || m.port || '@' || m.generation)
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("cluster", clusterId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    // Orleans' SiloStatus values as stored in the membership table.
    private static string StatusName(int status) => status switch
    {
        1 => "created",
        2 => "joining",
        3 => "active",
        4 => "shutting-down",
        5 => "stopping",
        6 => "dead",
        _ => "none",
    };
}
