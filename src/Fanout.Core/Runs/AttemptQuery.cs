namespace Fanout.Runs;

/// <summary>Which attempt rows of a run to read.</summary>
public sealed record AttemptQuery
{
    /// <summary>Only this target, or <see langword="null"/> for all.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// Only these targets (an empty collection reads nothing), or <see langword="null"/> for all; with <see cref="Target"/> too,
    /// both apply. A status page reads the output of its own targets only this way. The stores read at most 10,000 named
    /// targets at once (an <see cref="ArgumentException"/> for more).
    /// </summary>
    public IReadOnlyCollection<string>? Targets { get; init; }

    /// <summary>Only the latest attempt of each target. The default value is false (every attempt).</summary>
    public bool LatestOnly { get; init; }

    /// <summary>Only attempts in one of these states (applied after <see cref="LatestOnly"/>), or <see langword="null"/> for all.</summary>
    public IReadOnlySet<AttemptState>? States { get; init; }

    /// <summary>
    /// Leaves out the output columns: <see cref="TargetAttemptRecord.Stdout"/>, <see cref="TargetAttemptRecord.Stderr"/>,
    /// <see cref="TargetAttemptRecord.StdoutLog"/> and <see cref="TargetAttemptRecord.StderrLog"/> are read as
    /// <see langword="null"/> (everything else, <see cref="TargetAttemptRecord.Error"/> too, is read). For counts, states and
    /// waves of large runs, whose outputs may be megabytes. The default value is false (output read).
    /// </summary>
    public bool WithoutOutput { get; init; }
}
