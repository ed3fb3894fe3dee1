namespace Fanout.Workflows.Engine;

/// <summary>A step changed state (for progress displays); immutable.</summary>
/// <param name="Path">The step path.</param>
/// <param name="State">The new state.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Completed">For fan-out steps, targets finished so far.</param>
/// <param name="Total">For fan-out steps, targets in the step (0 for plain steps).</param>
/// <param name="Message">A short reason (skip reason, error), masked.</param>
public sealed record WorkflowStepEvent(string Path, StepState State, DateTimeOffset Timestamp, int Completed = 0, int Total = 0, string? Message = null);
