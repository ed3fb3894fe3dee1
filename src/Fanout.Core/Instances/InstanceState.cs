namespace Fanout.Instances;

/// <summary>Where an instance is in its life, read from the world (tmux, the worktree, the pause marker).</summary>
public enum InstanceState
{
    /// <summary>Never started, or killed: no session, no worktree, not paused.</summary>
    NotStarted,

    /// <summary>The tmux session is alive.</summary>
    Running,

    /// <summary>Paused: changes committed on the branch, worktree removed, no session (a pause marker records it).</summary>
    Paused,

    /// <summary>Started, but the session is gone (the program exited or the session was killed outside Fanout); the worktree is still there.</summary>
    Exited,
}

/// <summary>Wire names of <see cref="InstanceState"/>.</summary>
public static class InstanceStateExtensions
{
    /// <summary>The lower-case name used in output: <c>not-started</c>, <c>running</c>, <c>paused</c>, <c>exited</c>.</summary>
    public static string ToWireName(this InstanceState state) => state switch
    {
        InstanceState.NotStarted => "not-started",
        InstanceState.Running => "running",
        InstanceState.Paused => "paused",
        _ => "exited",
    };
}
