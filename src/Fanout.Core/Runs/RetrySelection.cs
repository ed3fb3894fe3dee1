namespace Fanout.Runs;

/// <summary>Which targets of an earlier run <c>fanout retry</c> runs again (SPEC X11).</summary>
public enum RetrySelection
{
    /// <summary>Every target that did not succeed and was not skipped (<c>--all-unsuccessful</c>, the default).</summary>
    AllUnsuccessful,

    /// <summary>Targets that failed or timed out (<c>--failed</c>).</summary>
    Failed,

    /// <summary>Targets that never finished: not run, cancelled, or running when the owner died (<c>--not-run</c>).</summary>
    NotRun,
}
