namespace Fanout.Instances;

/// <summary>The operations on agent instances (SPEC I2), as in the batch-operations document.</summary>
public enum InstanceAction
{
    /// <summary>Create the worktree (on a new branch, or the existing one) and start the program in a tmux session. Rollback: kill.</summary>
    Start,

    /// <summary>Type a prompt into the session and press Enter. No rollback.</summary>
    Prompt,

    /// <summary>Commit the worktree's changes on the branch, stop the session, remove the worktree (the branch stays). Rollback: resume.</summary>
    Pause,

    /// <summary>Recreate the worktree from the branch and restart the session. Rollback: pause.</summary>
    Resume,

    /// <summary>Stop the session and remove the worktree (the branch stays). No rollback.</summary>
    Kill,

    /// <summary>Capture the pane's current text as the target's output. Read-only.</summary>
    Preview,
}
