using Fanout.Execution;

namespace Fanout.Runs;

/// <summary>Conversions and spelling of <see cref="AttemptState"/>.</summary>
public static class AttemptStateExtensions
{
    /// <summary>Returns <c>running</c> or the X9 spelling of the final state (<c>timed-out</c>, <c>not-run</c>, …).</summary>
    public static string ToWireName(this AttemptState state) =>
        state == AttemptState.Running ? "running" : state.ToTargetState().ToWireName();

    /// <summary>Parses a name produced by <see cref="ToWireName"/>.</summary>
    /// <exception cref="FormatException">The text is not an attempt state.</exception>
    public static AttemptState ParseAttemptState(string text) =>
        text == "running" ? AttemptState.Running : TargetStateExtensions.ParseWireName(text).ToAttemptState();

    /// <summary>Maps a final target state to an attempt state.</summary>
    public static AttemptState ToAttemptState(this TargetState state) => state switch
    {
        TargetState.Succeeded => AttemptState.Succeeded,
        TargetState.Failed => AttemptState.Failed,
        TargetState.TimedOut => AttemptState.TimedOut,
        TargetState.Cancelled => AttemptState.Cancelled,
        TargetState.NotRun => AttemptState.NotRun,
        TargetState.Skipped => AttemptState.Skipped,
        TargetState.Unreachable => AttemptState.Unreachable,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>Maps an attempt state to the final target state; <see cref="AttemptState.Running"/> (the owner died mid-attempt) maps to <see cref="TargetState.Cancelled"/>.</summary>
    public static TargetState ToTargetState(this AttemptState state) => state switch
    {
        AttemptState.Succeeded => TargetState.Succeeded,
        AttemptState.Failed => TargetState.Failed,
        AttemptState.TimedOut => TargetState.TimedOut,
        AttemptState.Cancelled or AttemptState.Running => TargetState.Cancelled,
        AttemptState.NotRun => TargetState.NotRun,
        AttemptState.Skipped => TargetState.Skipped,
        AttemptState.Unreachable => TargetState.Unreachable,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>Whether a target in this state is done for resume purposes (succeeded or skipped).</summary>
    public static bool IsCompleted(this AttemptState state) => state is AttemptState.Succeeded or AttemptState.Skipped;
}
