using Fanout.Inventory;
using Fanout.Transports;
using Fanout.Transports.Local;
using Fanout.Transports.Ssh;

namespace Fanout.Cli;

/// <summary>
/// The one place the CLI builds its transports (local, ssh, device): every command that runs anything
/// (acting commands, resume/retry, schedules, workflows) gets its registry from here.
/// </summary>
internal static class CliTransports
{
    /// <summary>A registry with local, ssh and device transports; SSH defaults when <paramref name="ssh"/> is null.</summary>
    public static TransportRegistry Create(SshTransportOptions? ssh, TimeProvider time) =>
        AddMissing(new TransportRegistry().Register(new LocalTransport()), ssh, time);

    /// <summary>Registers whatever of local/ssh/device is missing (an injected run service may bring its own).</summary>
    public static TransportRegistry AddMissing(TransportRegistry registry, SshTransportOptions? ssh, TimeProvider time)
    {
        if (registry.TryGet(TransportNames.Local) is null)
        {
            registry.Register(new LocalTransport());
        }

        if (registry.TryGet(TransportNames.Ssh) is null)
        {
            var transport = new SshTransport(ssh, time);
            registry.Register(transport);
            if (registry.TryGet(TransportNames.Device) is null)
            {
                registry.Register(new DeviceTransport(transport));
            }
        }

        return registry;
    }
}
