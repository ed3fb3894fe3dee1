namespace Fanout.Execution;

/// <summary>The final state of one target in a run (SPEC X7, X9).</summary>
public enum TargetState
{
    /// <summary>The operation completed successfully.</summary>
    Succeeded,

    /// <summary>The operation failed (non-zero exit, error, or validation failure).</summary>
    Failed,

    /// <summary>The operation exceeded its per-target timeout and was killed.</summary>
    TimedOut,

    /// <summary>The operation was running when the run was cancelled and was stopped.</summary>
    Cancelled,

    /// <summary>The target was never started (fail-fast, max-fail-percent, cancellation, overall timeout).</summary>
    NotRun,

    /// <summary>The target was deliberately skipped (for example by a condition).</summary>
    Skipped,

    /// <summary>
    /// The target never got a session: DNS, connection refused, connect or handshake timeout, authentication failure or
    /// host key refused (Ansible's UNREACHABLE). Added to SPEC X9 as a new state value.
    /// </summary>
    Unreachable,
}
