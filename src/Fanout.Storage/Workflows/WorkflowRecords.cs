using System.Data.Common;
using Fanout.Runs;
using Fanout.Workflows.Engine;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>The workflow engine's tables (schema version 3): steps, breakers, approvals, annotations, metrics.</summary>
internal sealed class WorkflowRecords(StoreDatabase database) : StoreTable(database), IWorkflowStore
{
    /// <inheritdoc/>
    public Task<bool> SetRunStatusAsync(string runId, RunStatus status, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection => await ExecAsync(connection, null, "UPDATE runs SET status = @status WHERE run_id = @id",
            cancellationToken, ("status", status.ToWireName()), ("id", runId)).ConfigureAwait(false) > 0, cancellationToken);

    /// <inheritdoc/>
    public Task SaveStepAsync(WorkflowStepRecord step, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null,
            "INSERT INTO workflow_steps (run_id, path, state, attempts, exit_code, started_at, ended_at, output, capture, skip_reason, error, completion) " +
            "VALUES (@run_id, @path, @state, @attempts, @exit_code, @started_at, @ended_at, @output, @capture, @skip_reason, @error, @completion) " +
            "ON CONFLICT (run_id, path) DO UPDATE SET state = excluded.state, attempts = excluded.attempts, exit_code = excluded.exit_code, " +
            "started_at = excluded.started_at, ended_at = excluded.ended_at, output = excluded.output, capture = excluded.capture, " +
            "skip_reason = excluded.skip_reason, error = excluded.error, completion = excluded.completion",
            cancellationToken,
            ("run_id", step.RunId), ("path", step.Path), ("state", step.State), ("attempts", step.Attempts), ("exit_code", step.ExitCode),
            ("started_at", ToDbOrNull(step.StartedAt)), ("ended_at", ToDbOrNull(step.EndedAt)), ("output", step.Output), ("capture", step.Capture),
            ("skip_reason", step.SkipReason), ("error", step.Error), ("completion", step.Completion)), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<WorkflowStepRecord>> GetStepsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT run_id, path, state, attempts, exit_code, started_at, ended_at, output, capture, skip_reason, error, completion FROM workflow_steps WHERE run_id = @id ORDER BY path",
            [("id", runId)],
            r => new WorkflowStepRecord
            {
                RunId = r.GetString(0),
                Path = r.GetString(1),
                State = r.GetString(2),
                Attempts = ReadInt(r, 3),
                ExitCode = ReadIntOrNull(r, 4),
                StartedAt = ReadTimeOrNull(r, 5),
                EndedAt = ReadTimeOrNull(r, 6),
                Output = ReadString(r, 7),
                Capture = ReadString(r, 8),
                SkipReason = ReadString(r, 9),
                Error = ReadString(r, 10),
                Completion = ReadIntOrNull(r, 11),
            },
            cancellationToken);

    private const string BreakerColumns = "workflow, name, state, consecutive_failures, opened_at, updated_at";

    /// <inheritdoc/>
    public async Task<CircuitBreakerRecord?> GetBreakerAsync(string workflow, string name, CancellationToken cancellationToken)
    {
        IReadOnlyList<CircuitBreakerRecord> rows = await QueryAsync(
            $"SELECT {BreakerColumns} FROM circuit_breakers WHERE workflow = @w AND name = @n", [("w", workflow), ("n", name)], ReadBreaker, cancellationToken)
            .ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<CircuitBreakerRecord>> ListBreakersAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {BreakerColumns} FROM circuit_breakers ORDER BY workflow, name", [], ReadBreaker, cancellationToken);

    private CircuitBreakerRecord ReadBreaker(DbDataReader r) => new()
    {
        Workflow = r.GetString(0),
        Name = r.GetString(1),
        State = r.GetString(2),
        ConsecutiveFailures = ReadInt(r, 3),
        OpenedAt = ReadTimeOrNull(r, 4),
        UpdatedAt = ReadTime(r, 5),
    };

    /// <inheritdoc/>
    public Task SaveBreakerAsync(CircuitBreakerRecord breaker, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null,
            "INSERT INTO circuit_breakers (workflow, name, state, consecutive_failures, opened_at, updated_at) VALUES (@w, @n, @s, @f, @o, @u) " +
            "ON CONFLICT (workflow, name) DO UPDATE SET state = excluded.state, consecutive_failures = excluded.consecutive_failures, " +
            "opened_at = excluded.opened_at, updated_at = excluded.updated_at",
            cancellationToken,
            ("w", breaker.Workflow), ("n", breaker.Name), ("s", breaker.State), ("f", breaker.ConsecutiveFailures),
            ("o", ToDbOrNull(breaker.OpenedAt)), ("u", ToDb(breaker.UpdatedAt))), cancellationToken);

    /// <inheritdoc/>
    public Task RequestApprovalAsync(ApprovalRecord approval, CancellationToken cancellationToken) =>
        WithConnectionAsync(connection => ExecAsync(connection, null,
            "INSERT INTO workflow_approvals (run_id, step, status, requested_at, decided_at, actor, comment) VALUES (@r, @s, @st, @at, @d, @a, @c) " +
            "ON CONFLICT (run_id, step) DO NOTHING",
            cancellationToken,
            ("r", approval.RunId), ("s", approval.Step), ("st", approval.Status), ("at", ToDb(approval.RequestedAt)),
            ("d", ToDbOrNull(approval.DecidedAt)), ("a", approval.Actor), ("c", approval.Comment)), cancellationToken);

    /// <inheritdoc/>
    public Task<bool> DecideApprovalAsync(string runId, string step, bool approved, string actor, string? comment, DateTimeOffset decidedAt, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection => await ExecAsync(connection, null,
            "UPDATE workflow_approvals SET status = @st, decided_at = @d, actor = @a, comment = @c WHERE run_id = @r AND step = @s AND status = 'pending'",
            cancellationToken,
            ("st", approved ? "approved" : "rejected"), ("d", ToDb(decidedAt)), ("a", actor), ("c", comment), ("r", runId), ("s", step)).ConfigureAwait(false) > 0,
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApprovalRecord>> GetApprovalsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT run_id, step, status, requested_at, decided_at, actor, comment FROM workflow_approvals WHERE run_id = @r ORDER BY requested_at",
            [("r", runId)],
            r => new ApprovalRecord
            {
                RunId = r.GetString(0),
                Step = r.GetString(1),
                Status = r.GetString(2),
                RequestedAt = ReadTime(r, 3),
                DecidedAt = ReadTimeOrNull(r, 4),
                Actor = ReadString(r, 5),
                Comment = ReadString(r, 6),
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task AddAnnotationAsync(RunAnnotationRecord annotation, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecAsync(connection, tx,
                "INSERT INTO run_annotations (run_id, ordinal, kind, severity, message, at) " +
                "SELECT @r, COALESCE(MAX(ordinal), 0) + 1, @k, @s, @m, @at FROM run_annotations WHERE run_id = @r",
                cancellationToken,
                ("r", annotation.RunId), ("k", annotation.Kind), ("s", annotation.Severity), ("m", annotation.Message), ("at", ToDb(annotation.At))).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<RunAnnotationRecord>> GetAnnotationsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT run_id, kind, severity, message, at FROM run_annotations WHERE run_id = @r ORDER BY ordinal",
            [("r", runId)],
            r => new RunAnnotationRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), ReadTime(r, 4)),
            cancellationToken);

    /// <inheritdoc/>
    public Task SaveMetricsAsync(string runId, IReadOnlyList<RunMetricRecord> metrics, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteManyAsync(connection, tx,
                "INSERT INTO run_metrics (run_id, name, labels, type, value) VALUES (@r, @n, @l, @t, @v) " +
                "ON CONFLICT (run_id, name, labels) DO UPDATE SET type = excluded.type, value = excluded.value",
                ["r", "n", "l", "t", "v"], metrics, m => [runId, m.Name, m.Labels, m.Type, m.Value], cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<RunMetricRecord>> GetMetricsAsync(string runId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT name, labels, type, value FROM run_metrics WHERE run_id = @r ORDER BY name, labels",
            [("r", runId)],
            r => new RunMetricRecord(r.GetString(0), r.GetString(1), r.GetString(2), Convert.ToDouble(r.GetValue(3), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);
}
