namespace Fanout.Operations;

/// <summary>The lifecycle actions a provider may define (spec L1).</summary>
public enum LifecycleAction
{
    /// <summary>Start the target; rolled back by <see cref="Stop"/>.</summary>
    Start,

    /// <summary>Stop the target; rolled back by <see cref="Start"/>.</summary>
    Stop,

    /// <summary>Restart the target (no rollback).</summary>
    Restart,

    /// <summary>Report the target's state (no rollback).</summary>
    Status,
}
