namespace Fanout.Runs;

/// <summary>Which targets of an earlier run <c>fanout retry</c> runs again (SPEC X11).</summary>
public enum RetrySelection
{
    /// <summary>Every target that did not succeed and was not skipped (<c>--all-unsuccessful</c>, the default).</summary>
    AllUnsuccessful,

    /// <summary>Targets that failed, timed out or were unreachable (<c>--failed</c>).</summary>
    Failed,

    /// <summary>Targets that never finished: not run, cancelled, or running when the owner died (<c>--not-run</c>).</summary>
    NotRun,

    /// <summary>Only targets that never got a session: refused, connect deadline, authentication, host key (<c>--unreachable</c>).</summary>
    Unreachable,
}
