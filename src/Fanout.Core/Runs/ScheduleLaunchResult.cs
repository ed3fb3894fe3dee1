namespace Fanout.Runs;

/// <summary>How a scheduled run ended.</summary>
/// <param name="RunId">The run id, or <see langword="null"/> when no run was started.</param>
/// <param name="Result">The run status (<c>succeeded</c>, <c>failed</c>, …) or <c>error: …</c>.</param>
public sealed record ScheduleLaunchResult(string? RunId, string Result);
