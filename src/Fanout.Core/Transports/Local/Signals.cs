using System.Runtime.InteropServices;

namespace Fanout.Transports.Local;

/// <summary>Unix signals: names for exit statuses, and sending them to processes and process groups.</summary>
internal static partial class Signals
{
    public const int Term = 15;
    public const int Kill = 9;

    private static readonly string[] Names =
    [
        "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>
    /// Maps a .NET exit code to a <see cref="CommandResult"/>. On Unix .NET reports a process killed
    /// by signal n as 128 + n, exactly as shells do, so 129–159 are read as signals.
    /// </summary>
    public static CommandResult ToResult(int exitCode)
        => exitCode is > 128 and < 128 + 32 ? new CommandResult(null, Names[exitCode - 128]) : new CommandResult(exitCode);

    /// <summary>Sends <paramref name="signal"/> to a process (<paramref name="pid"/> &gt; 0) or a process group (<paramref name="pid"/> &lt; 0). Returns whether it was delivered.</summary>
    public static bool Send(int pid, int signal) => SysKill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
