namespace Fanout.Runs;

/// <summary>What resuming a run means, read from the store (SPEC H3): which targets run again and how numbering continues.</summary>
public sealed record ResumePlan
{
    /// <summary>The run as stored.</summary>
    public required RunRecord Run { get; init; }

    /// <summary>The run's recorded selection, in order.</summary>
    public required IReadOnlyList<RunTargetRecord> Selection { get; init; }

    /// <summary>Targets not completed (not succeeded, not skipped), in selection order: they run again.</summary>
    public required IReadOnlyList<RunTargetRecord> Remaining { get; init; }

    /// <summary>Targets whose latest attempt was still <c>running</c> when the owner stopped (they may have run partly).</summary>
    public required IReadOnlyList<string> WereRunning { get; init; }

    /// <summary>Completed targets and their states (kept in the run's counts).</summary>
    public required IReadOnlyDictionary<string, Execution.TargetState> Completed { get; init; }

    /// <summary>The highest attempt number recorded per target (new attempts continue after it).</summary>
    public required IReadOnlyDictionary<string, int> AttemptOffsets { get; init; }

    /// <summary>The highest stored event sequence (new events continue after it).</summary>
    public required long LastSequence { get; init; }
}
