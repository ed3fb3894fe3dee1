namespace Fanout.Workflows.Engine;

/// <summary>The stored state of one step of a workflow run (outputs and errors already masked).</summary>
public sealed record WorkflowStepRecord
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The step path: names joined with '/' (hooks as <c>step/on_failure/name</c>).</summary>
    public required string Path { get; init; }

    /// <summary>The state's wire name (<see cref="StepStateExtensions.ToWireName"/>).</summary>
    public required string State { get; init; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>The exit code of the last attempt (plain steps).</summary>
    public int? ExitCode { get; init; }

    /// <summary>When the step started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the step ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The step's stdout (capped) or, for fan-out steps, a JSON map target → stdout.</summary>
    public string? Output { get; init; }

    /// <summary>The JSON of the value stored under <c>.outputs.NAME</c> when the step captures output, with NAME.</summary>
    public string? Capture { get; init; }

    /// <summary>Why the step was skipped or short-circuited.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Why the step failed.</summary>
    public string? Error { get; init; }

    /// <summary>The order in which completed steps finished (for compensation on resume); null until it completes.</summary>
    public int? Completion { get; init; }
}
