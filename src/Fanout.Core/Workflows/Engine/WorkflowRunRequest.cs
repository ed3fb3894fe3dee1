using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>One workflow run to start or resume.</summary>
public sealed record WorkflowRunRequest
{
    /// <summary>The validated workflow.</summary>
    public required WorkflowDefinition Workflow { get; init; }

    /// <summary>Bound parameter values (<see cref="ParameterBinder"/>), including <c>environment</c>.</summary>
    public IReadOnlyDictionary<string, object?> Parameters { get; init; } = new Dictionary<string, object?>();

    /// <summary>Secret values to mask (<c>***</c>) in every output, log, stored record and event.</summary>
    public IReadOnlyCollection<string> SecretValues { get; init; } = [];

    /// <summary>The run id. The default value is a new id.</summary>
    public string? RunId { get; init; }

    /// <summary>Who started the run. The default value is user@host.</summary>
    public string? Actor { get; init; }

    /// <summary>
    /// What is recorded as the run's definition so that <c>fanout resume</c> can run it again (file, inputs; masked).
    /// The default value records nothing (such a run cannot be resumed from the command line).
    /// </summary>
    public string? Definition { get; init; }

    /// <summary>True to continue the recorded run <see cref="RunId"/>: succeeded and skipped steps are not run again,
    /// captured outputs are restored, pending approvals are waited for again.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// True when the new run was recorded <see cref="Runs.RunStatus.Queued"/> by <see cref="WorkflowRunner.RecordQueuedAsync"/> when it
    /// was accepted: it starts from that record (under this process, with a lease) instead of creating one.
    /// </summary>
    public bool Queued { get; init; }

    /// <summary>
    /// The run this one retries (SPEC X11 for workflows), or <see langword="null"/>: the new run <see cref="RunId"/> is linked to it and
    /// takes over what succeeded there — steps that succeeded or were skipped (outputs restored) and fan-out targets that completed —
    /// and runs the rest: failed, timed-out and not-run steps, and the failed targets of a step that succeeded within its <c>max_fail_percent</c>.
    /// </summary>
    public string? RetryOf { get; init; }

    /// <summary>
    /// Asked when the run is cancelled: the reason it was handed to another server of a cluster as this one stopped, or null. A run
    /// handed over ends <see cref="Runs.RunStatus.Interrupted"/> with that reason (not cancelled, no notification), and the other
    /// server resumes it (docs/scale-out.md "Workflow runs"). Null (the default): a cancel is a cancel.
    /// </summary>
    internal Func<string?>? HandedOver { get; init; }
}
