namespace Fanout.Runs;

/// <summary>
/// The run store (SPEC H1–H5, S-QL): runs, their selections, every target attempt, their events and
/// schedules. Implemented over SQLite and PostgreSQL by <c>Fanout.Storage</c>; both behave the same.
/// Implementations are thread-safe. Times are stored and returned in UTC.
/// </summary>
public interface IRunStore : IAsyncDisposable
{
    /// <summary>Where the store lives, for display (a file path or a PostgreSQL URL without password).</summary>
    string Location { get; }

    /// <summary>The directory holding full output logs of stored runs (one sub-directory per run).</summary>
    string LogDirectory { get; }

    /// <summary>
    /// The workflow engine's tables in the same store (steps, breakers, approvals, annotations, metrics), or <see langword="null"/> when
    /// this store keeps none. Reached as a property: nothing casts a store to find its parts.
    /// </summary>
    Workflows.Engine.IWorkflowStore? Workflows { get; }

    /// <summary>Records a new run with its selection in order (in one transaction).</summary>
    /// <exception cref="Fanout.FanoutException">A run with the same id exists.</exception>
    Task CreateRunAsync(RunRecord run, IReadOnlyList<RunTargetRecord> targets, CancellationToken cancellationToken);

    /// <summary>Applies attempt upserts, event appends and a counts update in one transaction; durable when the task completes.</summary>
    Task WriteAsync(RunWriteBatch batch, CancellationToken cancellationToken);

    /// <summary>Marks a run ended with its final status, counts and stop reason, and releases its lease.</summary>
    Task FinishRunAsync(string runId, RunStatus status, DateTimeOffset endedAt, RunCounts counts, string? stopReason, CancellationToken cancellationToken);

    /// <summary>Extends the owner's lease of a running run.</summary>
    /// <returns>False when the run is no longer running (e.g. it was declared interrupted).</returns>
    Task<bool> RenewLeaseAsync(string runId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Takes over a run that is not running (failed, cancelled, interrupted) so it can be resumed:
    /// sets it running again under a new owner, clears its end time and counts one more resume. Also starts a
    /// <see cref="RunStatus.Queued"/> run (no resume counted); a cancel request stored while it was queued is kept, so its
    /// owner's <see cref="CancelRequestWatch"/> stops it as it starts, while a resumed run starts without the old request.
    /// </summary>
    /// <returns>False when the run does not exist or is still running under a live owner.</returns>
    Task<bool> ReopenRunAsync(string runId, string ownerHost, int ownerPid, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a run that is not running (failed, cancelled, interrupted) <see cref="RunStatus.Queued"/> under a new owner, with no
    /// lease, clearing its end time and counting one more resume: a resume accepted now and started later (the server's queue) is
    /// visible at once, and a second resume of it is refused. <see cref="ReopenRunAsync"/> starts it; if its owner dies first, it is
    /// <c>interrupted</c> again.
    /// </summary>
    /// <returns>False when the run does not exist or is running, queued or awaiting an approval under a live owner.</returns>
    Task<bool> RequeueRunAsync(string runId, string ownerHost, int ownerPid, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a running (queued, awaiting-approval) run as <see cref="RunStatus.Interrupted"/> with <paramref name="reason"/> when a
    /// caller knows its owner is gone though the store cannot tell yet (its lease has not expired, its process is on another
    /// machine): the cluster declared the silo of the run's coordinator dead. Guarded by the owner columns: a run owned by anyone
    /// but <paramref name="ownerHost"/> and <paramref name="ownerPid"/> (taken over meanwhile) is left alone.
    /// </summary>
    /// <returns>True when the run was interrupted now.</returns>
    Task<bool> InterruptRunAsync(string runId, string ownerHost, int ownerPid, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the process that owns a running run to cancel it (SPEC A9): stores a cancel request that the owner polls
    /// (<see cref="GetCancelRequestAsync"/>). Works from any process; the request is cleared when the run is resumed.
    /// </summary>
    /// <returns>False when the run is unknown or has already ended (nothing to cancel).</returns>
    Task<bool> RequestCancelAsync(string runId, string actor, CancellationToken cancellationToken);

    /// <summary>The pending cancel request of a run, or <see langword="null"/>; a primary-key lookup, cheap enough to poll every second.</summary>
    Task<CancelRequest?> GetCancelRequestAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads history, newest first. Running runs whose owner died are reported (and stored) as <see cref="RunStatus.Interrupted"/>.
    /// The records of a list leave out the run's definition (<see cref="RunRecord.Selectors"/>, <see cref="RunRecord.Options"/>,
    /// <see cref="RunRecord.Parameters"/>, <see cref="RunRecord.Operation"/> are <see langword="null"/>): read one run with <see cref="GetRunAsync"/> for them.
    /// </summary>
    Task<IReadOnlyList<RunRecord>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>Reads one run (with interruption detection), or <see langword="null"/> when unknown.</summary>
    Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Reads a run's recorded selection in order.</summary>
    Task<IReadOnlyList<RunTargetRecord>> GetRunTargetsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Reads attempt rows of a run in selection order, then attempt order.</summary>
    Task<IReadOnlyList<TargetAttemptRecord>> GetAttemptsAsync(string runId, AttemptQuery? query, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="limit"/> events with a sequence greater than <paramref name="afterSequence"/>, in order.</summary>
    Task<IReadOnlyList<RunEventRecord>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>The highest stored event sequence of a run, 0 when it has none (resume continues numbering after it).</summary>
    Task<long> GetLastSequenceAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes ended runs that started before <paramref name="olderThan"/>, except the newest
    /// <paramref name="keepLast"/> runs overall, with their attempts, events and log files.
    /// </summary>
    Task<CleanupResult> CleanupAsync(DateTimeOffset olderThan, int keepLast, CancellationToken cancellationToken);

    /// <summary>Adds a schedule.</summary>
    /// <returns>False when a schedule with that name exists.</returns>
    Task<bool> AddScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken);

    /// <summary>Reads every schedule, by name.</summary>
    Task<IReadOnlyList<ScheduleRecord>> GetSchedulesAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a schedule.</summary>
    /// <returns>False when no schedule has that name.</returns>
    Task<bool> DeleteScheduleAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a schedule's timing and state: its cron, time zone, overlap rule, <see cref="ScheduleRecord.PausedAt"/> and
    /// <see cref="ScheduleRecord.ResumedAt"/>, found by name. What it runs and its fire history stay.
    /// </summary>
    /// <returns>False when no schedule has that name.</returns>
    Task<bool> UpdateScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken);

    /// <summary>Records that a schedule fired at <paramref name="firedAt"/>, the run it started (if any) and the result so far.</summary>
    Task RecordScheduleFireAsync(string name, DateTimeOffset firedAt, string? runId, string? result, CancellationToken cancellationToken);
}
