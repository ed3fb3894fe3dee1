using System.Globalization;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>
/// The handshake of one connection: admission under <see cref="HandshakeLimiter"/>, the connect deadline across TCP
/// connect, banner, key exchange and authentication, and retries of servers too busy to take the connection.
/// </summary>
internal sealed partial class SshConnector
{
    /// <summary>How many handshakes a target gets when each times out while the machine is starved, or is dropped by a busy server for its whole deadline.</summary>
    internal const int MaxStarvedHandshakes = 2;

    /// <summary>
    /// Opens one authenticated connection under <see cref="HandshakeLimiter"/> admission. The connect deadline
    /// (<see cref="SshEndpoint.ConnectTimeout"/>) bounds TCP connect, banner, key exchange and authentication together and
    /// runs from the moment the handshake got its slot. A server too busy to take the connection (refused, or reset
    /// before its banner, as sshd does past MaxStartups) is tried again with backoff while the deadline allows; when the
    /// server dropped it for the whole deadline, it is tried once more with a new slot and a new deadline — behind the
    /// limiter, which lowered its limit meanwhile, instead of inside a slot among the handshakes that keep the server full.
    /// A handshake that times out while other handshakes were starved too (near or past their deadlines: the machine, not
    /// this host, is the bottleneck) is tried once more the same way.
    /// </summary>
    private async Task<SshClient> ConnectClientAsync(SshEndpoint endpoint, string connectHost, int connectPort, CancellationToken cancellationToken)
    {
        for (int handshake = 1; ; handshake++)
        {
            (SshClient? client, TransportException? again) = await HandshakeAsync(endpoint, connectHost, connectPort, cancellationToken).ConfigureAwait(false);
            if (client is not null)
            {
                return client;
            }

            if (handshake >= MaxStarvedHandshakes)
            {
                string why = again!.InnerException is SshOperationTimeoutException ? "each timed out while the machine was starved" : "the server dropped every attempt of each";
                throw new TransportException($"{again.Message} ({handshake} handshakes, {why})", again.InnerException);
            }

            // The limit is lower now: wait for a new slot and start over with a whole deadline.
        }
    }

    /// <returns>
    /// The client, or (when it timed out while the machine was starved, or a busy server dropped it for the whole deadline)
    /// the failure to try again after.
    /// </returns>
    private async Task<(SshClient? Client, TransportException? Starved)> HandshakeAsync(SshEndpoint endpoint, string connectHost, int connectPort, CancellationToken cancellationToken)
    {
        using HandshakeLimiter.Slot slot = await _handshakes.EnterAsync(endpoint.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        bool congested = false;
        int refusals = 0;
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan remaining = endpoint.ConnectTimeout - _time.GetElapsedTime(slot.StartedAt);
            var phase = new ConnectPhase();
            try
            {
                SshClient client = await ConnectOnceAsync(endpoint, connectHost, connectPort, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), phase, cancellationToken)
                    .ConfigureAwait(false);
                slot.Complete(congested ? HandshakeLimiter.HandshakeOutcome.Congested : HandshakeLimiter.HandshakeOutcome.Succeeded);
                return (client, null);
            }
            catch (TransportException ex) when (IsBusyServer(ex.InnerException, phase, ref refusals))
            {
                congested = true;
                TimeSpan backoff = Backoff(attempt);
                if (endpoint.ConnectTimeout - _time.GetElapsedTime(slot.StartedAt) <= backoff)
                {
                    slot.Complete(HandshakeLimiter.HandshakeOutcome.Congested);
                    return (null, new TransportException($"{ex.Message} (tried {attempt + 1} times within the {Seconds(endpoint.ConnectTimeout)} connect deadline)", ex.InnerException));
                }

                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TransportException ex) when (ex.InnerException is SshOperationTimeoutException)
            {
                if (slot.CompleteTimedOut())
                {
                    return (null, ex);
                }

                throw;
            }
        }
    }

    /// <summary>Refused (a few times: a host that is down must fail fast) or dropped before the banner (MaxStartups).</summary>
    private static bool IsBusyServer(Exception? ex, ConnectPhase phase, ref int refusals) => ex switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => ++refusals <= 3,
        // Reset, aborted, or a broken pipe (EPIPE: the client's own banner written after the server had closed): dropped before the banner.
        SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } => phase.Name == ConnectPhase.BeforeBanner,
        SshConnectionException => phase.Name == ConnectPhase.BeforeBanner,
        _ => false,
    };

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (1 << Math.Min(attempt, 5))) * (0.5 + (Random.Shared.NextDouble() / 2)));

    private async Task<SshClient> ConnectOnceAsync(SshEndpoint endpoint, string connectHost, int connectPort, TimeSpan remaining, ConnectPhase phase, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(connectHost, connectPort, endpoint.User, BuildAuthentication(endpoint)) { Timeout = remaining };
        ApplyKex(info, endpoint.KexAlgorithms);
        PreferKnownHostKeyTypes(info, endpoint.KnownHosts.KnownKeyTypes(endpoint.Host, endpoint.Port));
        var client = new SshClient(info);
        HostKeyVerdict? verdict = null;
        string? presentedType = null;
        byte[]? presentedKey = null;
        client.ServerIdentificationReceived += (_, _) => phase.Name = ConnectPhase.KeyExchange;
        client.HostKeyReceived += (_, e) =>
        {
            phase.Name = ConnectPhase.Authentication;
            presentedKey = e.HostKey;
            presentedType = KeyTypeOf(e.HostKey);
            verdict = endpoint.KnownHosts.Check(endpoint.Host, endpoint.Port, presentedType, e.HostKey);
            e.CanTrust = verdict.Status == HostKeyStatus.Trusted || (verdict.Status == HostKeyStatus.Unknown && endpoint.AcceptNewHostKeys);
        };

        try
        {
            await ConnectOnDedicatedThreadAsync(client, remaining, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw MapConnectError(ex, endpoint, verdict, phase.Name);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        // The connect used what was left of the deadline; channel requests on the connection get the whole timeout.
        client.ConnectionInfo.Timeout = endpoint.ConnectTimeout;
        if (verdict?.Status == HostKeyStatus.Unknown)
        {
            await endpoint.KnownHosts.AppendAsync(endpoint.Host, endpoint.Port, presentedType!, presentedKey!, cancellationToken).ConfigureAwait(false);
        }

        return client;
    }

    /// <summary>
    /// SSH.NET's handshake blocks the calling thread; on pool threads 50+ concurrent connects starve
    /// the pool (DEPENDENCIES.md). A dedicated thread per connect (only while it lasts, and at most
    /// <see cref="HandshakeLimiter.Limit"/> at once) keeps the pool free.
    /// </summary>
    private static async Task ConnectOnDedicatedThreadAsync(SshClient client, TimeSpan deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                client.Connect();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "fanout-ssh-connect",
        };
        thread.Start();
        try
        {
            // SSH.NET applies ConnectionInfo.Timeout to each step; this is the deadline for all of them together, so a
            // peer that trickles its banner a byte at a time is cut off on time too.
            await done.Task.WaitAsync(deadline, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            client.Dispose(); // unblocks the connecting thread
            if (ex is TimeoutException)
            {
                throw new SshOperationTimeoutException("Connect did not finish in time.", ex);
            }

            throw;
        }
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.#}s");

    /// <summary>Where a connect is: moved on by SSH.NET's events, named in a timeout message.</summary>
    private sealed class ConnectPhase
    {
        public const string BeforeBanner = "TCP connect or waiting for the server's banner";
        public const string KeyExchange = "key exchange";
        public const string Authentication = "authentication";

        public volatile string Name = BeforeBanner;
    }
}
