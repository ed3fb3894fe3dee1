namespace Fanout.Workflows.Engine;

/// <summary>What happened to one step of a workflow run.</summary>
public sealed record StepResult
{
    /// <summary>The step path (names joined with '/').</summary>
    public required string Path { get; init; }

    /// <summary>The final state.</summary>
    public required StepState State { get; init; }

    /// <summary>Attempts made (0 when it never ran).</summary>
    public int Attempts { get; init; }

    /// <summary>The exit code of the last attempt of a plain step.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Stdout of the last attempt (masked), for fan-out steps the outputs per target.</summary>
    public string? Output { get; init; }

    /// <summary>Outputs per target of a fan-out step (masked); empty for plain steps.</summary>
    public IReadOnlyDictionary<string, string> TargetOutputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Targets of a fan-out step (0 for a plain step).</summary>
    public int Targets { get; init; }

    /// <summary>The targets of a fan-out step that did not succeed, in order (a step within <c>max_fail_percent</c> succeeds with some).</summary>
    public IReadOnlyList<string> FailedTargets { get; init; } = [];

    /// <summary>Why it was skipped or short-circuited.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Why it failed (masked).</summary>
    public string? Error { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>True when its failure was tolerated (<c>continue_on_error</c>, or fallback steps that succeeded).</summary>
    public bool FailureHandled { get; init; }

    /// <summary>True when the step was restored from the store on resume rather than run.</summary>
    public bool Restored { get; init; }
}
