namespace Fanout.Events;

/// <summary>A target that is running now, as seen by a <see cref="ProgressSnapshot"/>.</summary>
/// <param name="Target">The target name.</param>
/// <param name="StartedAt">When its current attempt started.</param>
/// <param name="Elapsed">How long the current attempt has run at the time of the snapshot.</param>
/// <param name="Attempt">The attempt number, starting at 1.</param>
public sealed record RunningTarget(string Target, DateTimeOffset StartedAt, TimeSpan Elapsed, int Attempt);
