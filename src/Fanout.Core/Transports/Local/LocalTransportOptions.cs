namespace Fanout.Transports.Local;

/// <summary>Options of the <see cref="LocalTransport"/>.</summary>
public sealed record LocalTransportOptions
{
    /// <summary>
    /// After cancellation (timeout, Ctrl-C), how long a process tree gets between <c>SIGTERM</c>
    /// and <c>SIGKILL</c>. The default value is 2 s; <see cref="TimeSpan.Zero"/> kills at once.
    /// </summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Start shell commands in their own session (through <c>setsid</c>) so a timeout or cancel can
    /// kill everything the shell started, including backgrounded grandchildren. The default value is
    /// <see langword="true"/>. Argument-vector commands are started directly (no extra process),
    /// and killed with their descendants.
    /// </summary>
    public bool IsolateShellCommands { get; init; } = true;

    /// <summary>The working directory of processes whose command names none, or <see langword="null"/> for the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The clock used for the termination grace period. The default value is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
