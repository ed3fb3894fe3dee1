using Fanout.Runs;
using Fanout.Security;
using Fanout.Workflows.Engine;

namespace Fanout.Storage;

/// <summary>
/// The run store over one ADO.NET database (SQLite or PostgreSQL), composed of the types that each own one concern:
/// <see cref="RunRecords"/> (runs, targets, attempts, events), <see cref="RunOwnership"/> (owner liveness, leases, taking over,
/// cancel requests), <see cref="ScheduleRecords"/>, <see cref="RunCleanup"/> (retention), <see cref="WorkflowRecords"/> (the workflow
/// engine's tables), <see cref="TokenRecords"/> and <see cref="AuditRecords"/>. It holds no SQL: each member hands over to its concern.
/// </summary>
internal sealed class AdoRunStore : IFanoutStore
{
    private readonly RunRecords _runs;
    private readonly RunOwnership _ownership;
    private readonly ScheduleRecords _schedules;
    private readonly RunCleanup _cleanup;

    public AdoRunStore(StoreDatabase database, OwnerProbe? owner = null)
    {
        Database = database;
        _ownership = new RunOwnership(database, owner ?? OwnerProbe.Default);
        _runs = new RunRecords(database, _ownership);
        _schedules = new ScheduleRecords(database);
        _cleanup = new RunCleanup(database, _ownership);
        Workflows = new WorkflowRecords(database);
        Tokens = new TokenRecords(database);
        Audit = new AuditRecords(database);
    }

    /// <summary>The database and dialect (migrations, helpers) the concerns share.</summary>
    internal StoreDatabase Database { get; }

    /// <summary>The owner-liveness check and interruption detection.</summary>
    internal RunOwnership Ownership => _ownership;

    public string Location => Database.Location;

    public string LogDirectory => Database.LogDirectory;

    public IWorkflowStore Workflows { get; }

    public ITokenStore Tokens { get; }

    public IAuditStore Audit { get; }

    public Task CreateRunAsync(RunRecord run, IReadOnlyList<RunTargetRecord> targets, CancellationToken cancellationToken) => _runs.CreateRunAsync(run, targets, cancellationToken);

    public Task WriteAsync(RunWriteBatch batch, CancellationToken cancellationToken) => _runs.WriteAsync(batch, cancellationToken);

    public Task FinishRunAsync(string runId, RunStatus status, DateTimeOffset endedAt, RunCounts counts, string? stopReason, CancellationToken cancellationToken) =>
        _runs.FinishRunAsync(runId, status, endedAt, counts, stopReason, cancellationToken);

    public Task<IReadOnlyList<RunRecord>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken) => _runs.QueryRunsAsync(query, cancellationToken);

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) => _runs.GetRunAsync(runId, cancellationToken);

    public Task<IReadOnlyList<RunTargetRecord>> GetRunTargetsAsync(string runId, CancellationToken cancellationToken) => _runs.GetRunTargetsAsync(runId, cancellationToken);

    public Task<IReadOnlyList<TargetAttemptRecord>> GetAttemptsAsync(string runId, AttemptQuery? query, CancellationToken cancellationToken) =>
        _runs.GetAttemptsAsync(runId, query, cancellationToken);

    public Task<IReadOnlyList<RunEventRecord>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken) =>
        _runs.GetEventsAsync(runId, afterSequence, limit, cancellationToken);

    public Task<long> GetLastSequenceAsync(string runId, CancellationToken cancellationToken) => _runs.GetLastSequenceAsync(runId, cancellationToken);

    public Task<bool> RenewLeaseAsync(string runId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        _ownership.RenewLeaseAsync(runId, leaseExpiresAt, cancellationToken);

    public Task<bool> ReopenRunAsync(string runId, string ownerHost, int ownerPid, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) =>
        _ownership.ReopenRunAsync(runId, ownerHost, ownerPid, leaseExpiresAt, cancellationToken);

    public Task<bool> InterruptRunAsync(string runId, string ownerHost, int ownerPid, string reason, CancellationToken cancellationToken) =>
        _ownership.InterruptRunAsync(runId, ownerHost, ownerPid, reason, cancellationToken);

    public Task<bool> RequeueRunAsync(string runId, string ownerHost, int ownerPid, CancellationToken cancellationToken) =>
        _ownership.RequeueRunAsync(runId, ownerHost, ownerPid, cancellationToken);

    public Task<bool> RequestCancelAsync(string runId, string actor, CancellationToken cancellationToken) => _ownership.RequestCancelAsync(runId, actor, cancellationToken);

    public Task<CancelRequest?> GetCancelRequestAsync(string runId, CancellationToken cancellationToken) => _ownership.GetCancelRequestAsync(runId, cancellationToken);

    public Task<CleanupResult> CleanupAsync(DateTimeOffset olderThan, int keepLast, CancellationToken cancellationToken) => _cleanup.CleanupAsync(olderThan, keepLast, cancellationToken);

    public Task<bool> AddScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => _schedules.AddScheduleAsync(schedule, cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> GetSchedulesAsync(CancellationToken cancellationToken) => _schedules.GetSchedulesAsync(cancellationToken);

    public Task<bool> DeleteScheduleAsync(string name, CancellationToken cancellationToken) => _schedules.DeleteScheduleAsync(name, cancellationToken);

    public Task<bool> UpdateScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => _schedules.UpdateScheduleAsync(schedule, cancellationToken);

    public Task RecordScheduleFireAsync(string name, DateTimeOffset firedAt, string? runId, string? result, CancellationToken cancellationToken) =>
        _schedules.RecordScheduleFireAsync(name, firedAt, runId, result, cancellationToken);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
