using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>
/// The workflow engine's part of the run store (schema version 3): step states, circuit breakers shared across runs,
/// manual approvals, run annotations and metrics. Implemented by the SQLite and PostgreSQL stores next to
/// <see cref="IRunStore"/>.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>Sets the status of a run without finishing it (running ⇄ awaiting-approval).</summary>
    /// <returns>False when the run is unknown.</returns>
    Task<bool> SetRunStatusAsync(string runId, RunStatus status, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the state of one step of a workflow run.</summary>
    Task SaveStepAsync(WorkflowStepRecord step, CancellationToken cancellationToken);

    /// <summary>The recorded steps of a run, in no particular order.</summary>
    Task<IReadOnlyList<WorkflowStepRecord>> GetStepsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The persisted state of a breaker, or <see langword="null"/> when it was never used (closed).</summary>
    Task<CircuitBreakerRecord?> GetBreakerAsync(string workflow, string name, CancellationToken cancellationToken);

    /// <summary>Every persisted breaker, ordered by workflow and name (<c>fanout breaker list</c>, <c>GET /api/breakers</c>).</summary>
    Task<IReadOnlyList<CircuitBreakerRecord>> ListBreakersAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the state of a breaker.</summary>
    Task SaveBreakerAsync(CircuitBreakerRecord breaker, CancellationToken cancellationToken);

    /// <summary>Records that a step waits for approval; an existing request (pending or decided) is kept as it is.</summary>
    Task RequestApprovalAsync(ApprovalRecord approval, CancellationToken cancellationToken);

    /// <summary>Decides a pending approval.</summary>
    /// <returns>False when there is no pending approval for that run and step.</returns>
    Task<bool> DecideApprovalAsync(string runId, string step, bool approved, string actor, string? comment, DateTimeOffset decidedAt, CancellationToken cancellationToken);

    /// <summary>The approvals of a run (every step that asked).</summary>
    Task<IReadOnlyList<ApprovalRecord>> GetApprovalsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Appends an annotation (raised alert, degradation, rollback …) to a run.</summary>
    Task AddAnnotationAsync(RunAnnotationRecord annotation, CancellationToken cancellationToken);

    /// <summary>The annotations of a run in the order they were added.</summary>
    Task<IReadOnlyList<RunAnnotationRecord>> GetAnnotationsAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces metric values of a run (keyed by name and labels).</summary>
    Task SaveMetricsAsync(string runId, IReadOnlyList<RunMetricRecord> metrics, CancellationToken cancellationToken);

    /// <summary>The metric values of a run.</summary>
    Task<IReadOnlyList<RunMetricRecord>> GetMetricsAsync(string runId, CancellationToken cancellationToken);
}
