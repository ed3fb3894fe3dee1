namespace Fanout.Runs;

/// <summary>What <see cref="IRunStore.CleanupAsync"/> deleted.</summary>
/// <param name="DeletedRunIds">The runs deleted.</param>
/// <param name="DeletedLogFiles">The log files deleted with them.</param>
public sealed record CleanupResult(IReadOnlyList<string> DeletedRunIds, IReadOnlyList<string> DeletedLogFiles);
