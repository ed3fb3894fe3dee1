using Fanout.Output;

namespace Fanout.Execution;

/// <summary>The final result of one target in a run (SPEC X9): data, never an exception.</summary>
public sealed record TargetOutcome
{
    /// <summary>The target name.</summary>
    public required string Target { get; init; }

    /// <summary>
    /// The target itself as it was selected (host, transport, tags, vars …), so a caller can re-run
    /// exactly the failures without joining on names (<see cref="BatchResult.FailedTargets"/>).
    /// Set by <see cref="BatchExecutor"/> for every outcome; <see langword="null"/> when the outcome
    /// was rebuilt from a run store, which keeps only the name.
    /// </summary>
    public Inventory.Target? TargetDefinition { get; init; }

    /// <summary>The final state.</summary>
    public required TargetState State { get; init; }

    /// <summary>The exit code of the last attempt, when it ran a process.</summary>
    public int? ExitCode { get; init; }

    /// <summary>How many attempts were made (0 when not run).</summary>
    public int Attempts { get; init; }

    /// <summary>The wave the target belonged to, starting at 1.</summary>
    public int Wave { get; init; }

    /// <summary>When the first attempt started, or <see langword="null"/> when not run.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Wall time from the first attempt's start to the end of the last.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Standard output of the last attempt.</summary>
    public CapturedOutput Stdout { get; init; } = CapturedOutput.Empty;

    /// <summary>Standard error of the last attempt.</summary>
    public CapturedOutput Stderr { get; init; } = CapturedOutput.Empty;

    /// <summary>A one-line description of what went wrong, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Operation-specific figures of the last attempt, or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }
}
