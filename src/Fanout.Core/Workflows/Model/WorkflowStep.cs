using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>
/// One step (W6–W15): a <see cref="Command"/>, a <see cref="Script"/>, or a group of child <see cref="Steps"/>,
/// with its scheduling, resources, error handling, hooks and approval settings.
/// </summary>
public sealed record WorkflowStep
{
    /// <summary>The step name (unique in the workflow; used by <c>depends_on</c> and <c>.steps.NAME</c>).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Whether <see cref="Name"/> was derived because the step has none (a mapping without <c>name</c>, or a bare string):
    /// <c>OWNER[n]</c> for the n-th child of step OWNER, <c>FIELD[n]</c> in a top-level or hook list.
    /// </summary>
    public bool NameDerived { get; init; }

    /// <summary>Human description.</summary>
    public string? Description { get; init; }

    /// <summary>The command, rendered in shell mode and run with <see cref="Shell"/>; null for scripts and groups.</summary>
    public TemplateText? Command { get; init; }

    /// <summary>An inline script (with its own shebang), rendered in shell mode; null otherwise.</summary>
    public TemplateText? Script { get; init; }

    /// <summary>The shell for <see cref="Command"/>. The default value is <c>sh</c>.</summary>
    public string Shell { get; init; } = "sh";

    /// <summary>Child steps (a group); empty for a leaf step.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; init; } = [];

    /// <summary>Whether <c>steps:</c> was written (an empty group is a warning, not a leaf).</summary>
    public bool IsGroup { get; init; }

    /// <summary>The step timeout, or null for the run default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Skip the step when this is false (<c>when:</c> or <c>condition:</c>); null to always run.</summary>
    public TemplateText? When { get; init; }

    /// <summary>Environment variables for the command (values may use templates).</summary>
    public IReadOnlyDictionary<string, TemplateText> Environment { get; init; } = new Dictionary<string, TemplateText>();

    /// <summary>The working directory, or null.</summary>
    public TemplateText? WorkingDirectory { get; init; }

    /// <summary>Informational: re-running the step is safe (shown in plans). The default value is false.</summary>
    public bool Idempotent { get; init; }

    /// <summary>Run the children concurrently (W7). The default value is false.</summary>
    public bool Parallel { get; init; }

    /// <summary>At most this many children at once; with it, a group runs concurrently even without <see cref="Parallel"/>.</summary>
    public int? ParallelLimit { get; init; }

    /// <summary>Sibling steps that must finish first.</summary>
    public IReadOnlyList<NamedReference> DependsOn { get; init; } = [];

    /// <summary>Lower runs first when slots are scarce. The default value is 0.</summary>
    public int Priority { get; init; }

    /// <summary>Resources the step needs free before starting, or null.</summary>
    public ResourceRequirements? Resources { get; init; }

    /// <summary>Retry settings, or null for the workflow default.</summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>Keep going when this step fails; null for the workflow default.</summary>
    public bool? ContinueOnError { get; init; }

    /// <summary>Steps run before each retry.</summary>
    public IReadOnlyList<WorkflowStep> OnRetry { get; init; } = [];

    /// <summary>Steps run when the step finally fails.</summary>
    public IReadOnlyList<WorkflowStep> OnFailure { get; init; } = [];

    /// <summary>Steps run after the step succeeds.</summary>
    public IReadOnlyList<WorkflowStep> OnSuccess { get; init; } = [];

    /// <summary>Store the trimmed stdout as <c>.outputs.NAME</c> (W10), or null.</summary>
    public string? CaptureOutput { get; init; }

    /// <summary>The targets the step fans out to (W11), or null to run once locally.</summary>
    public StepTargets? Targets { get; init; }

    /// <summary>The step's compensation (W12 per-step <c>rollback:</c>; a string is one command step).</summary>
    public IReadOnlyList<WorkflowStep> Rollback { get; init; } = [];

    /// <summary>Roll back completed children when one fails (<c>atomic:</c> or <c>rollback_on_failure:</c>).</summary>
    public bool Atomic { get; init; }

    /// <summary>The circuit breaker this step counts toward (W13), or null.</summary>
    public NamedReference? CircuitBreaker { get; init; }

    /// <summary>Steps run when the step fails after retries or is short-circuited.</summary>
    public IReadOnlyList<WorkflowStep> FallbackSteps { get; init; } = [];

    /// <summary>Pause for approval before the step (W14). The default value is false.</summary>
    public bool ManualApproval { get; init; }

    /// <summary>The script's exit code decides the step (W15). The default value is false.</summary>
    public bool Dynamic { get; init; }

    /// <summary>Metrics settings, or null.</summary>
    public StepMetrics? Metrics { get; init; }

    /// <summary>Where the step is declared.</summary>
    public SourcePosition Position { get; init; }
}
