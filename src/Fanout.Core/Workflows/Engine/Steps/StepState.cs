namespace Fanout.Workflows.Engine;

/// <summary>The state of a workflow step.</summary>
public enum StepState
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Running now.</summary>
    Running,

    /// <summary>Paused until someone approves or rejects it (SPEC W14).</summary>
    AwaitingApproval,

    /// <summary>Finished successfully.</summary>
    Succeeded,

    /// <summary>Finally failed (after its retries), or was rejected.</summary>
    Failed,

    /// <summary>Its last attempt exceeded the step timeout.</summary>
    TimedOut,

    /// <summary>Not run because its <c>when</c> was false or a dependency did not succeed; the reason is recorded.</summary>
    Skipped,

    /// <summary>Not run because its circuit breaker was open (SPEC W13).</summary>
    ShortCircuited,

    /// <summary>Stopped by cancellation or the overall timeout.</summary>
    Cancelled,

    /// <summary>Never started because the run stopped first (fail-fast).</summary>
    NotRun,
}
