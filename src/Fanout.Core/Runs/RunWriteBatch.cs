namespace Fanout.Runs;

/// <summary>Writes the store applies in one transaction: attempt upserts, new events and the run's counts.</summary>
public sealed record RunWriteBatch
{
    /// <summary>The run the writes belong to.</summary>
    public required string RunId { get; init; }

    /// <summary>Attempt rows to insert or replace (keyed by run, target and attempt).</summary>
    public IReadOnlyList<TargetAttemptRecord> Attempts { get; init; } = [];

    /// <summary>Attempt rows to delete (claims for targets that never started), by target and attempt number.</summary>
    public IReadOnlyList<(string Target, int Attempt)> DeleteAttempts { get; init; } = [];

    /// <summary>Events to append; an event whose sequence is already stored is ignored.</summary>
    public IReadOnlyList<RunEventRecord> Events { get; init; } = [];

    /// <summary>New counts for the run, or <see langword="null"/> to leave them.</summary>
    public RunCounts? Counts { get; init; }

    /// <summary>
    /// The host of the process writing the batch as the run's owner, or <see langword="null"/> for an unguarded write. With
    /// <see cref="OwnerPid"/>, the batch is written only while the run's owner columns still name this owner: a process that
    /// lost the run (taken over or resumed elsewhere) has the whole batch refused (<see cref="RunOwnershipLostException"/>).
    /// </summary>
    public string? OwnerHost { get; init; }

    /// <summary>The process id of the writing owner (see <see cref="OwnerHost"/>).</summary>
    public int? OwnerPid { get; init; }

    /// <summary>Whether the batch writes nothing.</summary>
    public bool IsEmpty => Attempts.Count == 0 && Events.Count == 0 && DeleteAttempts.Count == 0 && Counts is null;
}
