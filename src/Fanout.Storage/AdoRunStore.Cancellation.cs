using Fanout.Runs;

namespace Fanout.Storage;

internal abstract partial class AdoRunStore
{
    /// <inheritdoc/>
    public async Task<bool> RequestCancelAsync(string runId, string actor, CancellationToken cancellationToken)
    {
        // Interruption detection first: a run whose owner is gone cannot be cancelled, it is already stopped.
        if (await GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run || run.Status.IsFinal())
        {
            return false;
        }

        await WithConnectionAsync(connection => ExecAsync(connection, null,
            "INSERT INTO run_cancel_requests (run_id, requested_at, actor) VALUES (@id, @at, @actor) ON CONFLICT (run_id) DO NOTHING",
            cancellationToken, ("id", runId), ("at", ToDb(Now)), ("actor", actor)), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc/>
    public async Task<CancelRequest?> GetCancelRequestAsync(string runId, CancellationToken cancellationToken)
    {
        IReadOnlyList<CancelRequest> rows = await QueryAsync(
            "SELECT actor, requested_at FROM run_cancel_requests WHERE run_id = @id",
            [("id", runId)],
            r => new CancelRequest(r.GetString(0), ReadTime(r, 1)),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Forgets a run's cancel request (a resumed run starts afresh).</summary>
    private Task<int> ClearCancelRequestAsync(string runId, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null, "DELETE FROM run_cancel_requests WHERE run_id = @id", cancellationToken, ("id", runId)), cancellationToken);
}
