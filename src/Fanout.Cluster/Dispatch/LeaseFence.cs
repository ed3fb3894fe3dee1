using Npgsql;
using NpgsqlTypes;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// Lease epochs in the store (<c>cluster_leases</c>): <see cref="GrantAsync"/> raises the epoch of each target it leases and
/// returns it; <see cref="AcceptAsync"/> records a worker's report of a lease only when that lease's epoch is still the
/// target's epoch and was not reported yet — one conditional <c>UPDATE</c>, so the check and the write are one step in the
/// store. A report of a superseded lease (its worker was declared dead and the target re-issued, or another coordinator took
/// the run over) is rejected and counted (<see cref="ClusterMetrics.StaleReportsRejected"/>). Concurrent accepts are written
/// together, one statement per flush.
/// </summary>
internal sealed class LeaseFence(string connectionString, ClusterMetrics metrics) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);
    private readonly List<(string Run, string Target, long Epoch, TaskCompletionSource<bool> Done)> _accepts = [];
    private bool _flushing;

    /// <summary>Grants a lease on each of <paramref name="leases"/> (targets of <paramref name="runId"/>) to <paramref name="worker"/>; returns each target's new epoch.</summary>
    public async Task<IReadOnlyDictionary<string, long>> GrantAsync(string runId, string worker, IReadOnlyList<(string Target, int Attempt, Guid LeaseId)> leases, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO cluster_leases (run_id, target, attempt, epoch, lease_id, worker, state, updated_at)
            SELECT @run, x.target, x.attempt, 1, x.lease_id, @worker, 'granted', now()
            FROM unnest(@targets, @attempts, @leases) AS x(target, attempt, lease_id)
            ON CONFLICT (run_id, target) DO UPDATE SET attempt = EXCLUDED.attempt, epoch = cluster_leases.epoch + 1,
                lease_id = EXCLUDED.lease_id, worker = EXCLUDED.worker, state = 'granted', updated_at = now()
            RETURNING target, epoch
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.AddWithValue("run", runId);
        command.Parameters.AddWithValue("worker", worker);
        command.Parameters.Add(new NpgsqlParameter("targets", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = leases.Select(l => l.Target).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = leases.Select(l => l.Attempt).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("leases", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = leases.Select(l => l.LeaseId).ToArray() });
        var epochs = new Dictionary<string, long>(StringComparer.Ordinal);
        await using NpgsqlDataReader rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            epochs[rows.GetString(0)] = rows.GetInt64(1);
        }

        return epochs;
    }

    /// <summary>
    /// Records the report of the lease of <paramref name="epoch"/> on <paramref name="target"/>: true when it was the target's
    /// current, unreported lease; false (rejected, counted) when the lease was superseded or already reported.
    /// </summary>
    public Task<bool> AcceptAsync(string runId, string target, long epoch)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_accepts)
        {
            _accepts.Add((runId, target, epoch, done));
            if (_flushing)
            {
                return done.Task;
            }

            _flushing = true;
        }

        _ = Task.Run(FlushAsync);
        return done.Task;
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            (string Run, string Target, long Epoch, TaskCompletionSource<bool> Done)[] batch;
            lock (_accepts)
            {
                if (_accepts.Count == 0)
                {
                    _flushing = false;
                    return;
                }

                batch = [.. _accepts];
                _accepts.Clear();
            }

            try
            {
                HashSet<(string, string, long)> accepted = await AcceptManyAsync(batch).ConfigureAwait(false);
                foreach ((string run, string target, long epoch, TaskCompletionSource<bool> done) in batch)
                {
                    bool ok = accepted.Contains((run, target, epoch));
                    if (!ok)
                    {
                        metrics.StaleReportRejected();
                    }

                    done.TrySetResult(ok);
                }
            }
            catch (Exception e)
            {
                foreach ((_, _, _, TaskCompletionSource<bool> done) in batch)
                {
                    done.TrySetException(e);
                }
            }
        }
    }

    private async Task<HashSet<(string, string, long)>> AcceptManyAsync((string Run, string Target, long Epoch, TaskCompletionSource<bool> Done)[] batch)
    {
        const string sql = """
            UPDATE cluster_leases c SET state = 'reported', updated_at = now()
            FROM unnest(@runs, @targets, @epochs) AS x(run_id, target, epoch)
            WHERE c.run_id = x.run_id AND c.target = x.target AND c.epoch = x.epoch AND c.state = 'granted'
            RETURNING c.run_id, c.target, c.epoch
            """;
        await using NpgsqlCommand command = _source.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("runs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Run).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("targets", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Target).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("epochs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = batch.Select(b => b.Epoch).ToArray() });
        var accepted = new HashSet<(string, string, long)>();
        await using NpgsqlDataReader rows = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await rows.ReadAsync().ConfigureAwait(false))
        {
            accepted.Add((rows.GetString(0), rows.GetString(1), rows.GetInt64(2)));
        }

        return accepted;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
