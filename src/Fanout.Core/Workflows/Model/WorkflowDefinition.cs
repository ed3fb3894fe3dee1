using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A parsed workflow file (SPEC W1–W16). Immutable; produced by <c>WorkflowParser</c>.</summary>
public sealed record WorkflowDefinition
{
    /// <summary>The file the workflow came from (as given), or null for an in-memory source.</summary>
    public string? File { get; init; }

    /// <summary>The workflow name (W1). Defaults to the file name without extension.</summary>
    public required string Name { get; init; }

    /// <summary>Description (W1).</summary>
    public string? Description { get; init; }

    /// <summary>Version (W1).</summary>
    public string? Version { get; init; }

    /// <summary>Author (W1).</summary>
    public string? Author { get; init; }

    /// <summary>Documentation link or text (W1).</summary>
    public string? Documentation { get; init; }

    /// <summary>Declared parameters (W2).</summary>
    public IReadOnlyList<WorkflowParameter> Parameters { get; init; } = [];

    /// <summary>Variables in declaration order (W3).</summary>
    public IReadOnlyList<WorkflowVariable> Variables { get; init; } = [];

    /// <summary>Named conditions (W5).</summary>
    public IReadOnlyList<WorkflowCondition> Conditions { get; init; } = [];

    /// <summary>Pre-run validation rules (W5).</summary>
    public IReadOnlyList<ValidationRule> Validation { get; init; } = [];

    /// <summary>Prerequisite commands (W5).</summary>
    public IReadOnlyList<Prerequisite> Prerequisites { get; init; } = [];

    /// <summary>The top-level steps (W6).</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; init; } = [];

    /// <summary>Resource limits (W8), or null.</summary>
    public ResourceLimits? ResourceLimits { get; init; }

    /// <summary>Error defaults (W9), or null.</summary>
    public ErrorHandling? ErrorHandling { get; init; }

    /// <summary>Steps after a successful run (W12).</summary>
    public IReadOnlyList<WorkflowStep> OnSuccess { get; init; } = [];

    /// <summary>Steps after a failed run (W12).</summary>
    public IReadOnlyList<WorkflowStep> OnFailure { get; init; } = [];

    /// <summary>Post-execution steps (W12), or null.</summary>
    public PostExecution? PostExecution { get; init; }

    /// <summary>Workflow rollback (W12), or null.</summary>
    public RollbackPolicy? Rollback { get; init; }

    /// <summary>Circuit breakers by name (W13).</summary>
    public IReadOnlyList<CircuitBreakerDefinition> CircuitBreakers { get; init; } = [];

    /// <summary>Notifications (W16), or null.</summary>
    public NotificationSettings? Notifications { get; init; }

    /// <summary>How manual approvals are granted (<c>approval:</c>), or null for the defaults.</summary>
    public ApprovalSettings? Approval { get; init; }

    /// <summary>Metrics (W16), or null.</summary>
    public MetricsSettings? Metrics { get; init; }

    /// <summary>The switches of <c>monitoring:</c> (W16), or null when the block is absent.</summary>
    public MonitoringSettings? Monitoring { get; init; }

    /// <summary>Recovery strategies (<c>recovery:</c>), or null.</summary>
    public RecoveryPolicy? Recovery { get; init; }

    /// <summary>Named actions (<c>actions:</c>) that recovery strategies run; each is a step named after its key.</summary>
    public IReadOnlyList<WorkflowStep> Actions { get; init; } = [];

    /// <summary>Monitoring alerts (W16).</summary>
    public IReadOnlyList<MonitoringAlert> Alerts { get; init; } = [];

    /// <summary>Where the document starts.</summary>
    public SourcePosition Position { get; init; }
}
