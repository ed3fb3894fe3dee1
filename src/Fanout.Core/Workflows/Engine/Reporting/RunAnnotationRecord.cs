namespace Fanout.Workflows.Engine;

/// <summary>A note attached to a run: a raised alert, a degradation, a rollback (SPEC W12, W13, W16).</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Kind"><c>alert</c>, <c>degradation</c>, <c>rollback</c> or <c>approval</c>.</param>
/// <param name="Severity"><c>info</c>, <c>warning</c> or <c>critical</c>.</param>
/// <param name="Message">The text (masked).</param>
/// <param name="At">When it was added.</param>
public sealed record RunAnnotationRecord(string RunId, string Kind, string Severity, string Message, DateTimeOffset At);
