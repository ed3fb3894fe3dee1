namespace Fanout.Execution;

/// <summary>Spelling of <see cref="TargetState"/> in the public JSON/CSV contract (SPEC X9).</summary>
public static class TargetStateExtensions
{
    /// <summary>Returns the state as spelled in output: <c>succeeded</c>, <c>failed</c>, <c>timed-out</c>, <c>cancelled</c>, <c>not-run</c>, <c>skipped</c>, <c>unreachable</c>.</summary>
    public static string ToWireName(this TargetState state) => state switch
    {
        TargetState.Succeeded => "succeeded",
        TargetState.Failed => "failed",
        TargetState.TimedOut => "timed-out",
        TargetState.Cancelled => "cancelled",
        TargetState.NotRun => "not-run",
        TargetState.Skipped => "skipped",
        TargetState.Unreachable => "unreachable",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>Parses a wire name produced by <see cref="ToWireName"/>.</summary>
    /// <exception cref="FormatException">The text is not a state name.</exception>
    public static TargetState ParseWireName(string text) => text switch
    {
        "succeeded" => TargetState.Succeeded,
        "failed" => TargetState.Failed,
        "timed-out" => TargetState.TimedOut,
        "cancelled" => TargetState.Cancelled,
        "not-run" => TargetState.NotRun,
        "skipped" => TargetState.Skipped,
        "unreachable" => TargetState.Unreachable,
        _ => throw new FormatException($"'{text}' is not a target state"),
    };
}
