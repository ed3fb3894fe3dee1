using System.Data.Common;
using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>
/// Who owns a running run and whether it should stop: the owner columns and lease of a run, the one owner-liveness check
/// (<see cref="IsOwnerDead"/>: a run whose owner is gone is <c>interrupted</c> for every surface), taking a run over on resume,
/// and cancel requests (<c>run_cancel_requests</c>) that the owner polls.
/// </summary>
internal sealed class RunOwnership(StoreDatabase database, OwnerProbe owner) : StoreTable(database)
{
    /// <summary>
    /// Whether a running (queued, awaiting-approval) run's owner is gone: its lease expired, or it ran on this host and its process no
    /// longer exists. The one owner-liveness check: every surface sees such a run as <c>interrupted</c> through the store.
    /// </summary>
    public bool IsOwnerDead(RunRecord run)
    {
        if (run.Status is not (RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval))
        {
            return false;
        }

        if (run.LeaseExpiresAt is { } lease && lease < Now)
        {
            return true;
        }

        return run.OwnerPid is { } pid && string.Equals(run.OwnerHost, owner.HostName, StringComparison.OrdinalIgnoreCase) && !owner.IsAlive(pid);
    }

    /// <summary><paramref name="run"/> as every reader must see it: stored as interrupted (and read again) when its owner is gone.</summary>
    public async Task<RunRecord?> CheckAsync(RunRecord run, CancellationToken cancellationToken)
    {
        if (!IsOwnerDead(run))
        {
            return run;
        }

        await MarkInterruptedAsync(run, cancellationToken).ConfigureAwait(false);
        return await RunRows.ReadAsync(Database, run.RunId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        await RunRows.ReadAsync(Database, runId, cancellationToken).ConfigureAwait(false) is { } run ? await CheckAsync(run, cancellationToken).ConfigureAwait(false) : null;

    /// <inheritdoc cref="IRunStore"/>
    public Task<bool> RenewLeaseAsync(string runId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection => await ExecAsync(connection, null,
            "UPDATE runs SET lease_expires_at = @lease WHERE run_id = @id AND status IN ('running', 'awaiting-approval')",
            cancellationToken, ("lease", ToDb(leaseExpiresAt)), ("id", runId)).ConfigureAwait(false) == 1, cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public async Task<bool> ReopenRunAsync(string runId, string ownerHost, int ownerPid, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken)
    {
        // Detect a dead owner first so a run that is "running" (or waiting for an approval) only on paper can be taken over.
        if (await GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run || run.Status is RunStatus.Running or RunStatus.AwaitingApproval)
        {
            return false;
        }

        // A resumed run starts afresh; a queued run keeps a cancel request made while it waited (its owner honours it as it starts).
        if (run.Status != RunStatus.Queued)
        {
            await ClearCancelRequestAsync(runId, cancellationToken).ConfigureAwait(false);
        }

        return await WithConnectionAsync(async connection => await ExecAsync(connection, null,
            "UPDATE runs SET status = 'running', ended_at = NULL, stop_reason = NULL, owner_host = @host, owner_pid = @pid, " +
            "lease_expires_at = @lease, resume_count = resume_count + CASE WHEN status = 'queued' THEN 0 ELSE 1 END WHERE run_id = @id AND status NOT IN ('running', 'awaiting-approval')",
            cancellationToken, ("host", ownerHost), ("pid", ownerPid), ("lease", ToDb(leaseExpiresAt)), ("id", runId)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="IRunStore"/>
    public async Task<bool> RequeueRunAsync(string runId, string ownerHost, int ownerPid, CancellationToken cancellationToken)
    {
        if (await GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run || run.Status is RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval)
        {
            return false;
        }

        await ClearCancelRequestAsync(runId, cancellationToken).ConfigureAwait(false);
        return await WithConnectionAsync(async connection => await ExecAsync(connection, null,
            "UPDATE runs SET status = 'queued', ended_at = NULL, stop_reason = NULL, owner_host = @host, owner_pid = @pid, " +
            "lease_expires_at = NULL, resume_count = resume_count + 1 WHERE run_id = @id AND status NOT IN ('running', 'queued', 'awaiting-approval')",
            cancellationToken, ("host", ownerHost), ("pid", ownerPid), ("id", runId)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="IRunStore"/>
    public Task<bool> InterruptRunAsync(string runId, string ownerHost, int ownerPid, string reason, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection => await ExecAsync(connection, null,
            "UPDATE runs SET status = 'interrupted', stop_reason = @reason WHERE run_id = @id AND status IN ('running', 'queued', 'awaiting-approval') " +
            "AND owner_host = @host AND owner_pid = @pid",
            cancellationToken, ("id", runId), ("host", ownerHost), ("pid", ownerPid), ("reason", reason)).ConfigureAwait(false) == 1, cancellationToken);

    /// <summary>Finds running runs whose owner is dead and stores them as interrupted.</summary>
    public async Task<int> DetectInterruptedAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<RunRecord> running = await WithConnectionAsync(async connection =>
        {
            await using DbCommand command = Command(connection, null, $"SELECT {RunRows.Columns} FROM runs WHERE status IN ('running', 'queued', 'awaiting-approval')");
            return await RunRows.ReadAsync(Database, command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        int marked = 0;
        foreach (RunRecord run in running.Where(IsOwnerDead))
        {
            marked += await MarkInterruptedAsync(run, cancellationToken).ConfigureAwait(false);
        }

        return marked;
    }

    // Guarded by the owner columns: a run taken over (or renewed) meanwhile is left alone.
    private Task<int> MarkInterruptedAsync(RunRecord run, CancellationToken cancellationToken) => WithConnectionAsync(connection => ExecAsync(connection, null,
        "UPDATE runs SET status = 'interrupted', stop_reason = @reason WHERE run_id = @id AND status IN ('running', 'queued', 'awaiting-approval') " +
        "AND (owner_pid = @pid OR (owner_pid IS NULL AND @pid IS NULL)) AND (lease_expires_at = @lease OR (lease_expires_at IS NULL AND @lease IS NULL))",
        cancellationToken, ("id", run.RunId), ("pid", run.OwnerPid), ("lease", ToDbOrNull(run.LeaseExpiresAt)),
        ("reason", $"owner process {run.OwnerPid} on {run.OwnerHost} is gone")), cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
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

    /// <inheritdoc cref="IRunStore"/>
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
