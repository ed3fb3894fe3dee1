namespace Fanout.Runs;

/// <summary>The state of a recorded run (SPEC H2).</summary>
public enum RunStatus
{
    /// <summary>The run is executing (its owner holds a live lease).</summary>
    Running,

    /// <summary>Every target succeeded (or was skipped).</summary>
    Succeeded,

    /// <summary>Some target failed, timed out or was not run.</summary>
    Failed,

    /// <summary>The run was cancelled (Ctrl-C, API cancel).</summary>
    Cancelled,

    /// <summary>The process that owned the run died without finishing it (lease expired or its pid is gone).</summary>
    Interrupted,

    /// <summary>A workflow run waits for a manual approval (SPEC W14).</summary>
    AwaitingApproval,

    /// <summary>
    /// The run was accepted (an API batch answered 201) and waits for a slot of its owner's execution queue; recorded before the
    /// answer, so a crash of the owner leaves it <see cref="Interrupted"/> and resumable rather than unknown.
    /// </summary>
    Queued,
}
