namespace Fanout.Runs;

/// <summary>One selected target of a stored run, as <see cref="StoredResults.LoadTargetsAsync"/> reads it.</summary>
/// <param name="Target">The target name.</param>
/// <param name="Wave">The wave of its latest attempt (or of the selection when it never ran).</param>
/// <param name="Last">The latest attempt, or <see langword="null"/> when the target never started.</param>
/// <param name="Attempts">How many real attempts were made (claims without a start are not counted).</param>
/// <param name="StartedAt">When the first attempt started.</param>
/// <param name="Duration">From the first attempt's start to the end of the latest.</param>
/// <param name="Stdout">The latest attempt's complete standard output (from its log file when spilled).</param>
/// <param name="Stderr">The latest attempt's complete standard error.</param>
internal sealed record StoredTarget(
    string Target,
    int Wave,
    TargetAttemptRecord? Last,
    int Attempts,
    DateTimeOffset? StartedAt,
    TimeSpan Duration,
    string Stdout,
    string Stderr);
