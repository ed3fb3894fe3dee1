using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Core.Tests.Transports;

public sealed class BuiltInTransportsTests
{
    [Fact]
    public void Create_Default_RegistersLocalSshAndDevice()
    {
        TransportRegistry registry = BuiltInTransports.Create();

        Assert.NotNull(registry.TryGet(TransportNames.Local));
        Assert.NotNull(registry.TryGet(TransportNames.Ssh));
        Assert.NotNull(registry.TryGet(TransportNames.Device));
    }

    [Fact]
    public void AddMissing_KeepsWhatTheCallerRegistered()
    {
        var local = new LocalTransport();
        TransportRegistry registry = new TransportRegistry().Register(local);

        BuiltInTransports.AddMissing(registry);

        Assert.Same(local, registry.Get(TransportNames.Local));
        Assert.NotNull(registry.TryGet(TransportNames.Ssh));
    }

    [Fact]
    public void RunService_WithoutTransports_FindsSshTargets()
    {
        // Regression: the server and `fanout resume` built their RunService with the local
        // transport only, so ssh targets failed with "unknown transport 'ssh'".
        var service = new RunService();

        Assert.NotNull(service.Transports.TryGet(TransportNames.Ssh));
    }
}
