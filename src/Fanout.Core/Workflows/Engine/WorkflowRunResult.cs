using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>The outcome of a workflow run.</summary>
public sealed record WorkflowRunResult
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The workflow name.</summary>
    public required string Workflow { get; init; }

    /// <summary>Succeeded, Failed or Cancelled.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Every step that was considered (main steps, hooks, rollback steps), in the order they ended.</summary>
    public IReadOnlyList<StepResult> Steps { get; init; } = [];

    /// <summary>The captured outputs (<c>.outputs</c>), masked.</summary>
    public IReadOnlyDictionary<string, object?> Outputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>Why the run failed or stopped (masked), if it did.</summary>
    public string? Error { get; init; }

    /// <summary>True when the rollback (compensations and rollback steps) ran.</summary>
    public bool RolledBack { get; init; }

    /// <summary>The degradations recorded on the run (circuit-breaker fallbacks).</summary>
    public IReadOnlyList<string> Degradations { get; init; } = [];

    /// <summary>The recovery strategies that fired, as "strategy (condition): action ok|failed|undefined, …", in order.</summary>
    public IReadOnlyList<string> Recoveries { get; init; } = [];

    /// <summary>The health summary of <c>monitoring.health_checks</c> (the run's health steps and their states), or null.</summary>
    public string? Health { get; init; }

    /// <summary>The monitoring alerts raised after the run, as "severity: message".</summary>
    public IReadOnlyList<string> Alerts { get; init; } = [];

    /// <summary>The run's figures (see docs/workflows.md, "Figures").</summary>
    public IReadOnlyDictionary<string, object?> Figures { get; init; } = new Dictionary<string, object?>();

    /// <summary>The counts of the run's leaf steps (the one definition the figures, the final line and history share).</summary>
    public StepCounts Counts { get; init; } = new();

    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The result of a step by path, or null.</summary>
    public StepResult? Step(string path) => Steps.LastOrDefault(s => s.Path == path);
}
