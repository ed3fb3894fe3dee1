using Fanout.Inventory;

namespace Fanout.Transports.Local;

/// <summary>
/// Runs commands as processes on this machine (SPEC S1). Argument vectors start directly;
/// shell commands run through the command's shell (<c>sh -c</c>), each in its own session so
/// that a timeout or cancellation kills the whole process tree. The target's fields and scalar
/// vars are exported to the process environment (see <see cref="LocalEnvironment"/>).
/// </summary>
public sealed class LocalTransport : ITransport
{
    private readonly LocalTransportOptions _options;
    private readonly string? _setsid;

    /// <summary>Creates the transport.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    public LocalTransport(LocalTransportOptions? options = null)
    {
        _options = options ?? new LocalTransportOptions();
        _setsid = _options.IsolateShellCommands ? ExecutableLookup.Find("setsid") : null;
    }

    /// <inheritdoc />
    public string Name => TransportNames.Local;

    /// <summary>
    /// Kills, with <c>SIGKILL</c>, every process tree any local session in this process is running:
    /// the last resort when the user forces an exit (second Ctrl-C).
    /// </summary>
    public static void KillAllRunning()
    {
        foreach ((System.Diagnostics.Process process, bool ownGroup) in LocalSession.Running)
        {
            try
            {
                if (ownGroup)
                {
                    Signals.Send(-process.Id, Signals.Kill);
                }

                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<ISession>(new LocalSession(target, _options, _setsid));
    }
}
