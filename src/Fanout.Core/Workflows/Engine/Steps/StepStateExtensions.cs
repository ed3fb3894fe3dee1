namespace Fanout.Workflows.Engine;

/// <summary>Wire names of <see cref="StepState"/>.</summary>
public static class StepStateExtensions
{
    /// <summary>The lower-case, dash-separated name used in the store, JSON and progress lines (e.g. <c>short-circuited</c>).</summary>
    public static string ToWireName(this StepState state) => state switch
    {
        StepState.Pending => "pending",
        StepState.Running => "running",
        StepState.AwaitingApproval => "awaiting-approval",
        StepState.Succeeded => "succeeded",
        StepState.Failed => "failed",
        StepState.TimedOut => "timed-out",
        StepState.Skipped => "skipped",
        StepState.ShortCircuited => "short-circuited",
        StepState.Cancelled => "cancelled",
        _ => "not-run",
    };

    /// <summary>Parses a name made by <see cref="ToWireName"/>; unknown names are <see cref="StepState.Pending"/>.</summary>
    public static StepState ParseWireName(string name) =>
        Enum.GetValues<StepState>().FirstOrDefault(s => s.ToWireName() == name, StepState.Pending);

    /// <summary>True for states a step ends in.</summary>
    public static bool IsFinal(this StepState state) => state is not (StepState.Pending or StepState.Running or StepState.AwaitingApproval);

    /// <summary>True when the step did its work (succeeded) — the states resume does not run again.</summary>
    public static bool IsDone(this StepState state) => state is StepState.Succeeded or StepState.Skipped;
}
