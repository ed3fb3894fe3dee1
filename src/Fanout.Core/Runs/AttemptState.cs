namespace Fanout.Runs;

/// <summary>
/// The state of one recorded attempt on one target: the final <see cref="Execution.TargetState"/>s
/// plus <see cref="Running"/>, which the recorder writes durably before the attempt starts so that
/// resume after a crash knows exactly what may have been in flight.
/// </summary>
public enum AttemptState
{
    /// <summary>The attempt started and has not been recorded as finished.</summary>
    Running,

    /// <summary>The attempt succeeded.</summary>
    Succeeded,

    /// <summary>The attempt failed.</summary>
    Failed,

    /// <summary>The attempt timed out.</summary>
    TimedOut,

    /// <summary>The attempt was cancelled.</summary>
    Cancelled,

    /// <summary>The target was never started (attempt number 0).</summary>
    NotRun,

    /// <summary>The target was skipped.</summary>
    Skipped,

    /// <summary>The attempt never got a session to the target.</summary>
    Unreachable,
}
