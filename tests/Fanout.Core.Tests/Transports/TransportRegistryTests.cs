using Fanout.Core.Tests.Support;
using Fanout.Transports;

namespace Fanout.Core.Tests.Transports;

public sealed class TransportRegistryTests
{
    [Fact]
    public void Get_Registered_ReturnsIt()
    {
        var fake = new FakeTransport("ssh");
        var registry = new TransportRegistry().Register(fake);

        Assert.Same(fake, registry.Get("ssh"));
        Assert.Equal(["ssh"], registry.Names);
    }

    [Fact]
    public void Get_Unknown_ThrowsNamingTheKnownTransports()
    {
        var registry = new TransportRegistry([new FakeTransport("ssh"), new FakeTransport("local")]);

        var ex = Assert.Throws<FanoutException>(() => registry.Get("telnet"));

        Assert.Equal("unknown transport 'telnet' (known: local, ssh)", ex.Message);
        Assert.Null(registry.TryGet("telnet"));
    }

    [Fact]
    public void Register_DuplicateName_Throws()
    {
        var registry = new TransportRegistry([new FakeTransport("ssh")]);

        Assert.Throws<ArgumentException>(() => registry.Register(new FakeTransport("ssh")));
    }
}
