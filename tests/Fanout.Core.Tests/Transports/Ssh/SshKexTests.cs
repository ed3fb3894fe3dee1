using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>Default key exchange: the cheap curve25519 first, the post-quantum hybrids still offered.</summary>
[Collection(SshdCollection.Name)]
public sealed class SshKexTests(SshdFixture f)
{
    [Fact]
    public void KexOrder_NothingPreferred_Curve25519FirstAndHybridsKept()
    {
        IReadOnlyList<string> supported = SshConnector.SupportedKex();

        IReadOnlyList<string> order = SshConnector.KexOrder([], supported);

        Assert.Equal("curve25519-sha256", order[0]);
        Assert.Equal("curve25519-sha256@libssh.org", order[1]);
        Assert.Contains("mlkem768x25519-sha256", order);
        Assert.Equal(supported.Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void KexOrder_Preferred_OffersExactlyThose()
    {
        Assert.Equal(["mlkem768x25519-sha256"], SshConnector.KexOrder(["mlkem768x25519-sha256", "nope"], SshConnector.SupportedKex()));
    }

    [Theory(Timeout = 30000)]
    [InlineData("", "curve25519-sha256")]
    [InlineData("sntrup761x25519-sha512", "sntrup761x25519-sha512")]
    public async Task OpenAsync_Kex_NegotiatesTheFirstPreference(string kex, string expected)
    {
        var options = Options(f, o => o.KexAlgorithms = kex.Length == 0 ? [] : [kex]);
        await using ISession session = await new SshTransport(options).OpenAsync(Direct(f), CancellationToken.None);

        Assert.Equal(expected, ((SshSession)session).Client.ConnectionInfo.CurrentKeyExchangeAlgorithm);
    }
}
