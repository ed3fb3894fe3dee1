namespace Fanout.Execution;

/// <summary>The result of rolling back one target after an atomic batch failed (SPEC C2).</summary>
/// <param name="Target">The target name.</param>
/// <param name="Succeeded">Whether the rollback succeeded.</param>
/// <param name="Error">Why it failed, or <see langword="null"/>.</param>
public sealed record RollbackOutcome(string Target, bool Succeeded, string? Error);
