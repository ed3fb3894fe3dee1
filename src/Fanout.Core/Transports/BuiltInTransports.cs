using Fanout.Inventory;
using Fanout.Transports.Local;
using Fanout.Transports.Ssh;

namespace Fanout.Transports;

/// <summary>
/// The one place the built-in transports (local, ssh, device) are assembled. <see cref="Runs.RunService"/>,
/// the workflow runner, the CLI and the server all get their registry from here, so a target's
/// transport is found whichever way a run was started (exec, resume, retry, schedule, workflow, API).
/// </summary>
public static class BuiltInTransports
{
    /// <summary>Creates a registry with the local, ssh and device transports.</summary>
    /// <param name="ssh">SSH settings; <see langword="null"/> uses <see cref="SshTransportOptions"/> defaults (~/.ssh/config, known_hosts, keys).</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    public static TransportRegistry Create(SshTransportOptions? ssh = null, TimeProvider? timeProvider = null) =>
        AddMissing(new TransportRegistry(), ssh, timeProvider);

    /// <summary>
    /// The forced stop (second Ctrl-C): kills every process tree local sessions run and every remote
    /// process group SSH sessions run, waiting at most <paramref name="bound"/> for the remote kills.
    /// </summary>
    public static async Task KillAllRunningAsync(TimeSpan bound)
    {
        LocalTransport.KillAllRunning();
        await SshSession.KillAllRunningAsync(bound).ConfigureAwait(false);
    }

    /// <summary>Registers whichever of local, ssh and device <paramref name="registry"/> lacks (a caller may bring its own).</summary>
    /// <returns><paramref name="registry"/>.</returns>
    public static TransportRegistry AddMissing(TransportRegistry registry, SshTransportOptions? ssh = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (registry.TryGet(TransportNames.Local) is null)
        {
            registry.Register(new LocalTransport());
        }

        if (registry.TryGet(TransportNames.Ssh) is null)
        {
            var transport = new SshTransport(ssh, timeProvider ?? TimeProvider.System);
            registry.Register(transport);
            if (registry.TryGet(TransportNames.Device) is null)
            {
                registry.Register(new DeviceTransport(transport));
            }
        }

        return registry;
    }
}
