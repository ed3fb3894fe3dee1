using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fanout.Inventory;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>
/// Connection storms and the connect deadline (issue 11 items 2 and 3) against real sshd processes on 127.0.0.1:
/// a server that drops connections past <c>MaxStartups 3</c>, and a listener that trickles its banner.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshConnectStormTests(SshdFixture f)
{
    [Fact(Timeout = 120000)]
    public async Task FortyHandshakesAtOnce_AgainstMaxStartups3_AllSucceed_ByRetryingDroppedConnections()
    {
        // No admission control here (40 handshakes admitted at once), so sshd drops most of them before its banner:
        // every one must still connect, by retrying within its deadline.
        var transport = new SshTransport(Options(f, o => o.ConnectTimeout = TimeSpan.FromSeconds(60)), null, null, new HandshakeLimiter(40, 40));

        int[] codes = await Task.WhenAll(Enumerable.Range(1, 40).Select(async i =>
        {
            await using ISession s = await transport.OpenAsync(Direct(f, port: f.BusyPort) with { Name = $"busy-{i}" }, CancellationToken.None);
            return (await RunAsync(s, "true")).Result.ExitCode ?? -1;
        }));

        Assert.All(codes, c => Assert.Equal(0, c));
    }

    [Fact(Timeout = 120000)]
    public async Task HundredTargetsWithDefaultOptions_AgainstMaxStartups3_AllSucceed()
    {
        // The default transport: the process-wide adaptive limiter keeps handshakes near what the server takes.
        var transport = new SshTransport(Options(f, o => o.ConnectTimeout = new SshTransportOptions().ConnectTimeout));

        int[] codes = await Task.WhenAll(Enumerable.Range(1, 100).Select(async i =>
        {
            await using ISession s = await transport.OpenAsync(Direct(f, port: f.BusyPort) with { Name = $"busy-{i}" }, CancellationToken.None);
            return (await RunAsync(s, "echo ok")).Result.ExitCode ?? -1;
        }));

        Assert.All(codes, c => Assert.Equal(0, c));
    }

    [Fact(Timeout = 60000)]
    public async Task BannerTrickledAByteEvery2s_ConnectTimeout5s_FailsAt5sNamingThePhase()
    {
        using var listener = new TricklingBanner();
        // Its own limiter: a starved handshake of another test must not make this timeout look like starvation.
        var transport = new SshTransport(Options(f, o => o.ConnectTimeout = TimeSpan.FromSeconds(5)), null, null, HandshakeLimiter.ForThisMachine());
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<TransportException>(async () =>
            await transport.OpenAsync(Direct(f, port: listener.Port), CancellationToken.None));

        Assert.Contains("timed out after 5s", ex.Message);
        Assert.Contains("banner", ex.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(5.5));
    }

    [Fact(Timeout = 60000)]
    public async Task RefusedPort_FailsFast_AfterAFewQuickRetries()
    {
        int closed = Sh.FreePort();
        var transport = new SshTransport(Options(f, o => o.ConnectTimeout = TimeSpan.FromSeconds(30)));
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(Direct(f, port: closed), CancellationToken.None));

        Assert.Contains("refused", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 60000)]
    public async Task ServerDroppingEveryConnectionBeforeItsBanner_IsTriedForTwoWholeDeadlines_ThenFailsSayingSo()
    {
        // A server past MaxStartups for good: each handshake retries within its 2 s deadline, then the target gets one more
        // handshake with a new slot and deadline (behind the limiter, not among the handshakes keeping the server full).
        using var listener = new DroppingListener();
        var transport = new SshTransport(Options(f, o => o.ConnectTimeout = TimeSpan.FromSeconds(2)), null, null, HandshakeLimiter.ForThisMachine());
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(Direct(f, port: listener.Port), CancellationToken.None));

        Assert.True(ex.Message.Contains("within the 2s connect deadline", StringComparison.Ordinal), ex.Message);
        Assert.True(ex.Message.Contains("(2 handshakes, the server dropped every attempt of each)", StringComparison.Ordinal), ex.Message);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5) && watch.Elapsed <= TimeSpan.FromSeconds(8), $"{watch.Elapsed}: {ex.Message}"); // each handshake stops retrying once its next backoff (up to 1 s) would pass its deadline
        Assert.True(listener.Accepted >= 4, $"{listener.Accepted} connections");
    }

    /// <summary>Accepts connections and closes each at once, before any banner (as sshd does past MaxStartups).</summary>
    private sealed class DroppingListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public DroppingListener()
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    using TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _accepted);
                    try
                    {
                        client.Client.LingerState = new LingerOption(true, 0); // a reset: the client sees a reset or a broken pipe, as after sshd's drop
                    }
                    catch (SocketException)
                    {
                        // the client is gone already: keep accepting
                    }
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    /// <summary>Accepts connections and sends <c>SSH-2.0-slow</c> one byte every two seconds.</summary>
    private sealed class TricklingBanner : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = [];

        public TricklingBanner()
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_clients)
                    {
                        _clients.Add(client);
                    }

                    _ = Task.Run(async () =>
                    {
                        NetworkStream stream = client.GetStream();
                        foreach (byte b in "SSH-2.0-slow-server-that-never-ends-its-line"u8.ToArray())
                        {
                            await stream.WriteAsync(new[] { b }, _stop.Token);
                            await Task.Delay(2000, _stop.Token);
                        }
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }
        }
    }
}
