using Fanout.Inventory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Transports.Ssh;

/// <summary>
/// The in-process SSH transport (spec S2): key files, ssh-agent, explicit passwords, ssh_config
/// aliases and ProxyJump, known_hosts verification, configurable key exchange. One connection per
/// opened session; each command runs in its own channel, and timed-out or cancelled commands have
/// their remote process group killed.
/// </summary>
public sealed class SshTransport : ITransport
{
    private readonly SshTransportOptions _options;
    private readonly SshConnector _connector;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the transport.</summary>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">Clock for timers; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">Diagnostics sink.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public SshTransport(SshTransportOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(options, timeProvider, logger, handshakes: null)
    {
    }

    /// <summary>Creates the transport with its own handshake limiter (tests); by default all transports of a process share one.</summary>
    internal SshTransport(SshTransportOptions? options, TimeProvider? timeProvider, ILogger? logger, HandshakeLimiter? handshakes)
    {
        _options = options ?? new SshTransportOptions();
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SSH options: " + string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _connector = new SshConnector(_options, _time, handshakes);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    /// <value>Always <c>ssh</c>.</value>
    public string Name => TransportNames.Ssh;

    /// <summary>Whether the target is driven in network-device mode: transport <c>device</c> or var <c>fanout_device: true</c>.</summary>
    public static bool IsDevice(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Transport == TransportNames.Device
            || (target.Vars.TryGetValue("fanout_device", out object? flag) && string.Equals(Convert.ToString(flag, System.Globalization.CultureInfo.InvariantCulture), "true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Connects, verifies the host key and authenticates; device targets get an interactive-CLI session.</summary>
    /// <exception cref="HostKeyException">The host key is unknown (and not accepted), changed or revoked.</exception>
    /// <exception cref="TransportException">The host cannot be reached, the connect timed out, or authentication failed.</exception>
    public async ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        SshEndpoint endpoint = _connector.Resolve(target);
        SshConnection connection = await _connector.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return IsDevice(target)
            ? new DeviceSession(target, connection, _options.Device, _time)
            : new SshSession(target, connection, _options, _time, _logger);
    }
}
