namespace Fanout.Runs;

/// <summary>One target of a run's recorded selection, in selection order (what resume compares against the current inventory).</summary>
/// <param name="Target">The target name.</param>
/// <param name="Wave">The wave the target was planned in, starting at 1.</param>
public sealed record RunTargetRecord(string Target, int Wave);
