using Fanout.Execution;

namespace Fanout.Events;

/// <summary>
/// Something that happened in a run. Events are the spine (ARCHITECTURE): the console renderer,
/// the store recorder and the server hub all subscribe to the same sequence-numbered stream.
/// </summary>
public abstract record RunEvent
{
    /// <summary>The run the event belongs to.</summary>
    public required string RunId { get; init; }

    /// <summary>A number increasing by one per event within a run, starting at 1.</summary>
    public long Sequence { get; init; }

    /// <summary>When the event happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}

/// <summary>A run began: how many targets, in how many waves.</summary>
public sealed record RunStarted : RunEvent
{
    /// <summary>The operation name.</summary>
    public required string Operation { get; init; }

    /// <summary>The number of targets selected.</summary>
    public required int Total { get; init; }

    /// <summary>The number of waves.</summary>
    public required int WaveCount { get; init; }

    /// <summary>The concurrency limit.</summary>
    public required int MaxConcurrency { get; init; }
}

/// <summary>A wave began.</summary>
public sealed record WaveStarted : RunEvent
{
    /// <summary>The wave number, starting at 1.</summary>
    public required int Wave { get; init; }

    /// <summary>The number of waves.</summary>
    public required int WaveCount { get; init; }

    /// <summary>The targets of the wave, in order.</summary>
    public required IReadOnlyList<string> Targets { get; init; }
}

/// <summary>An attempt on a target began.</summary>
public sealed record TargetStarted : RunEvent
{
    /// <summary>The target name (in a workflow run, <c>STEP/TARGET</c> for a fan-out step's target, the step path for a plain step).</summary>
    public required string Target { get; init; }

    /// <summary>The workflow step the target belongs to, or <see langword="null"/> outside workflow runs.</summary>
    public string? Step { get; init; }

    /// <summary>The wave number.</summary>
    public required int Wave { get; init; }

    /// <summary>The attempt number, starting at 1.</summary>
    public required int Attempt { get; init; }
}

/// <summary>An attempt failed and will be retried after <see cref="Delay"/>.</summary>
public sealed record TargetRetrying : RunEvent
{
    /// <summary>The target name.</summary>
    public required string Target { get; init; }

    /// <summary>The workflow step the target belongs to, or <see langword="null"/> outside workflow runs.</summary>
    public string? Step { get; init; }

    /// <summary>The attempt that failed.</summary>
    public required int Attempt { get; init; }

    /// <summary>The wait before the next attempt.</summary>
    public required TimeSpan Delay { get; init; }

    /// <summary>Why the attempt failed.</summary>
    public string? Error { get; init; }

    /// <summary>The exit code of the failed attempt, if any.</summary>
    public int? ExitCode { get; init; }
}

/// <summary>A target reached its final state.</summary>
public sealed record TargetFinished : RunEvent
{
    /// <summary>The outcome.</summary>
    public required TargetOutcome Outcome { get; init; }

    /// <summary>The workflow step the target belongs to, or <see langword="null"/> outside workflow runs.</summary>
    public string? Step { get; init; }
}

/// <summary>A wave ended.</summary>
public sealed record WaveFinished : RunEvent
{
    /// <summary>The wave number.</summary>
    public required int Wave { get; init; }

    /// <summary>How many targets of the wave did not succeed.</summary>
    public required int Failed { get; init; }
}

/// <summary>A target that had succeeded was rolled back (SPEC X4 --atomic).</summary>
public sealed record TargetRolledBack : RunEvent
{
    /// <summary>The rollback outcome.</summary>
    public required RollbackOutcome Outcome { get; init; }
}

/// <summary>The run ended.</summary>
public sealed record RunFinished : RunEvent
{
    /// <summary>The result of the run.</summary>
    public required BatchResult Result { get; init; }
}
