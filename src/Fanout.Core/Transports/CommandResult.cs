namespace Fanout.Transports;

/// <summary>How a process ended: its exit code, or the signal that ended it.</summary>
/// <param name="ExitCode">The exit code, or <see langword="null"/> when the process was killed by a signal.</param>
/// <param name="Signal">The signal name (for example <c>KILL</c>), or <see langword="null"/>.</param>
public sealed record CommandResult(int? ExitCode, string? Signal = null)
{
    /// <summary>Whether the process exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;
}
