using Fanout.Inventory;

namespace Fanout.Transports.Ssh;

/// <summary>The <c>device</c> transport: SSH to network devices that only offer an interactive CLI (spec S4).</summary>
public sealed class DeviceTransport : ITransport
{
    private readonly SshTransport _ssh;

    /// <summary>Creates the transport on top of an SSH transport (sharing its keys, config and known_hosts).</summary>
    public DeviceTransport(SshTransport ssh) => _ssh = ssh ?? throw new ArgumentNullException(nameof(ssh));

    /// <inheritdoc/>
    /// <value>Always <c>device</c>.</value>
    public string Name => TransportNames.Device;

    /// <inheritdoc/>
    public ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return _ssh.OpenAsync(target with { Transport = TransportNames.Device }, cancellationToken);
    }
}
