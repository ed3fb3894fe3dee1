using Fanout.Workflows.Engine;

namespace Fanout.Events;

/// <summary>
/// A workflow step (or hook, fallback, rollback step) began an attempt. The targets of a fan-out step follow as
/// <see cref="TargetStarted"/>/<see cref="TargetFinished"/> events whose <c>Step</c> is this path; a plain step is
/// itself one target named after its path.
/// </summary>
public sealed record StepStarted : RunEvent
{
    /// <summary>The step path (names joined with '/').</summary>
    public required string Path { get; init; }

    /// <summary>The attempt, starting at 1 (0 for a group).</summary>
    public int Attempt { get; init; }

    /// <summary>Targets of a fan-out step (0 for a plain step or a group).</summary>
    public int Targets { get; init; }

    /// <summary>Why a retry waits, e.g. <c>retry 2/3 in 1s</c>; null for a first attempt.</summary>
    public string? Message { get; init; }
}

/// <summary>A workflow step reached its final state (texts masked).</summary>
public sealed record StepFinished : RunEvent
{
    /// <summary>The step path.</summary>
    public required string Path { get; init; }

    /// <summary>The final state.</summary>
    public required StepState State { get; init; }

    /// <summary>Attempts made (0 when it never ran).</summary>
    public int Attempts { get; init; }

    /// <summary>The exit code of the last attempt of a plain step.</summary>
    public int? ExitCode { get; init; }

    /// <summary>When the step started, if it did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>How long it took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; init; }

    /// <summary>Why it was skipped, short-circuited or not run.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Targets of a fan-out step (0 for a plain step or a group).</summary>
    public int Targets { get; init; }

    /// <summary>The fan-out targets that did not succeed (failed, timed out, cancelled or not run), in order.</summary>
    public IReadOnlyList<string> FailedTargets { get; init; } = [];

    /// <summary>The step's output: stdout of a plain step, a JSON map target → stdout of a fan-out step.</summary>
    public string? Output { get; init; }

    /// <summary>The JSON <c>{"name": …, "value": …}</c> of the output the step captured, when it captured one.</summary>
    public string? Capture { get; init; }

    /// <summary>The order in which completed steps finished (compensation order across resumes), when it succeeded.</summary>
    public int? Completion { get; init; }

    /// <summary>True when the step's state was restored from the store on resume rather than run.</summary>
    public bool Restored { get; init; }

    /// <summary>Whether this is a main step (not a hook, fallback or rollback step).</summary>
    public bool Main { get; init; } = true;
}

/// <summary>A step waits for approval (SPEC W14): <c>fanout approve RUN STEP</c>, the API or the terminal decides.</summary>
public sealed record ApprovalRequested : RunEvent
{
    /// <summary>The step path.</summary>
    public required string Path { get; init; }
}

/// <summary>An approval was decided.</summary>
public sealed record ApprovalDecided : RunEvent
{
    /// <summary>The step path.</summary>
    public required string Path { get; init; }

    /// <summary>True when approved.</summary>
    public required bool Approved { get; init; }

    /// <summary>Who decided and how (masked).</summary>
    public string? Detail { get; init; }
}

/// <summary>A circuit breaker opened (SPEC W13): steps behind it are short-circuited until it recovers.</summary>
public sealed record BreakerOpened : RunEvent
{
    /// <summary>The breaker name.</summary>
    public required string Name { get; init; }

    /// <summary>The step whose failure opened it.</summary>
    public required string Path { get; init; }

    /// <summary>Consecutive failures counted.</summary>
    public int Failures { get; init; }
}

/// <summary>The workflow rollback began (SPEC W12): compensations newest first, then the rollback steps.</summary>
public sealed record RollbackStarted : RunEvent
{
    /// <summary>Why (the matched condition).</summary>
    public required string Reason { get; init; }
}
