using Fanout.Execution;

namespace Fanout.Events;

/// <summary>The state of a run at one moment (SPEC X8): counts per state, the wave, timing and the slowest running targets.</summary>
public sealed record ProgressSnapshot
{
    /// <summary>The run id, or <see langword="null"/> before the run started.</summary>
    public string? RunId { get; init; }

    /// <summary>The operation name.</summary>
    public string? Operation { get; init; }

    /// <summary>Targets in the run (targets × steps for a chain).</summary>
    public int Total { get; init; }

    /// <summary>Targets that reached a final state.</summary>
    public int Completed { get; init; }

    /// <summary>Targets that succeeded.</summary>
    public int Succeeded { get; init; }

    /// <summary>Targets that failed.</summary>
    public int Failed { get; init; }

    /// <summary>Targets that timed out.</summary>
    public int TimedOut { get; init; }

    /// <summary>Targets that never got a session.</summary>
    public int Unreachable { get; init; }

    /// <summary>Targets that were cancelled.</summary>
    public int Cancelled { get; init; }

    /// <summary>Targets that were not run.</summary>
    public int NotRun { get; init; }

    /// <summary>Targets that were skipped.</summary>
    public int Skipped { get; init; }

    /// <summary>The current wave, starting at 1 (0 before the first wave).</summary>
    public int Wave { get; init; }

    /// <summary>The number of waves.</summary>
    public int WaveCount { get; init; }

    /// <summary>Time since the run started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time to completion from the pace so far, or <see langword="null"/> when nothing finished yet.</summary>
    public TimeSpan? Eta { get; init; }

    /// <summary>Whether the run finished.</summary>
    public bool Finished { get; init; }

    /// <summary>How many targets are running now.</summary>
    public int RunningCount { get; init; }

    /// <summary>The longest-running targets, slowest first (at most the number asked for).</summary>
    public IReadOnlyList<RunningTarget> Slowest { get; init; } = [];

    /// <summary>Returns the count of targets in <paramref name="state"/>.</summary>
    public int Count(TargetState state) => state switch
    {
        TargetState.Succeeded => Succeeded,
        TargetState.Failed => Failed,
        TargetState.TimedOut => TimedOut,
        TargetState.Cancelled => Cancelled,
        TargetState.NotRun => NotRun,
        TargetState.Skipped => Skipped,
        TargetState.Unreachable => Unreachable,
        _ => 0,
    };
}
