namespace Fanout.Cli;

/// <summary>The exit codes of <c>fanout</c> (SPEC X9); documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>Every selected target succeeded, or nothing matched.</summary>
    public const int Success = 0;

    /// <summary>Some target failed, timed out, was cancelled or was not run.</summary>
    public const int TargetsFailed = 1;

    /// <summary>Usage or input error: bad option, selector, inventory or refused confirmation. Nothing ran.</summary>
    public const int UsageError = 2;

    /// <summary>The run was interrupted with Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>The run was stopped by SIGTERM (128 + 15): timeout(1), systemd, a CI cancel.</summary>
    public const int Terminated = 143;

    /// <summary>The run was stopped by SIGHUP (128 + 1): the terminal was closed.</summary>
    public const int HangUp = 129;
}
