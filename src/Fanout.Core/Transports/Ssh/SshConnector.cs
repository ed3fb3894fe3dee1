using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Fanout.Inventory;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>Resolves a target to an <see cref="SshEndpoint"/> and opens authenticated, host-key-verified connections.</summary>
internal sealed partial class SshConnector
{
    private static readonly Lazy<IReadOnlyList<string>> KexNames = new(() =>
        new ConnectionInfo("localhost", "user", new PasswordAuthenticationMethod("user", string.Empty)).KeyExchangeAlgorithms.Keys.ToList());

    private readonly SshTransportOptions _options;
    private readonly Lazy<SshConfig> _config;
    private readonly SshKeyStore _keys;
    private readonly HandshakeLimiter _handshakes;
    private readonly TimeProvider _time;

    /// <summary>One handshake limiter per process: every run's handshakes compete for the same cores.</summary>
    private static readonly Lazy<HandshakeLimiter> SharedHandshakes = new(() => HandshakeLimiter.ForThisMachine());

    public SshConnector(SshTransportOptions options, TimeProvider? time = null, HandshakeLimiter? handshakes = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _handshakes = handshakes ?? SharedHandshakes.Value;
        _keys = new SshKeyStore(options);
        _config = new Lazy<SshConfig>(() =>
        {
            string? path = options.ConfigFile ?? SshConfig.ExpandHome("~/.ssh/config");
            return File.Exists(path) ? SshConfig.Load(path) : SshConfig.Empty;
        });
    }

    public static IReadOnlyList<string> SupportedKex() => KexNames.Value;

    public static bool IsSupportedKex(string name) => KexNames.Value.Contains(name, StringComparer.Ordinal);

    public SshEndpoint Resolve(Target target)
    {
        string alias = target.Host ?? Var(target, "ansible_host") ?? target.Name;
        var endpoint = Resolve(alias, target.User ?? Var(target, "ansible_user"), target.Port ?? ParsePort(Var(target, "ansible_port")));
        var identities = new List<string>(_options.IdentityFiles);
        if (Var(target, "ansible_ssh_private_key_file") is { } keyVar)
        {
            identities.Add(SshConfig.ExpandHome(keyVar));
        }

        identities.AddRange(endpoint.IdentityFiles);
        return endpoint with
        {
            IdentityFiles = identities.Count > 0 ? identities.Distinct(StringComparer.Ordinal).ToList() : DefaultIdentities(),
            Password = _options.Password ?? Var(target, "ansible_password") ?? Var(target, "ansible_ssh_pass"),
            ProxyJump = Var(target, "fanout_proxy_jump") ?? endpoint.ProxyJump,
        };
    }

    public async Task<SshConnection> ConnectAsync(SshEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.ProxyJump is null)
        {
            SshClient direct = await ConnectClientAsync(endpoint, endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new SshConnection(direct, endpoint);
        }

        // ProxyJump a,b: reach a directly, b through a, the target through b (each hop verified and authenticated).
        SshConnection? via = null;
        try
        {
            foreach (string hop in endpoint.ProxyJump.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                SshEndpoint jump = ParseJump(hop);
                via = via is null
                    ? await ConnectAsync(jump with { ProxyJump = null }, cancellationToken).ConfigureAwait(false)
                    : await ConnectThroughAsync(via, jump, cancellationToken).ConfigureAwait(false);
            }

            return await ConnectThroughAsync(via!, endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            via?.Dispose();
            throw;
        }
    }

    private async Task<SshConnection> ConnectThroughAsync(SshConnection via, SshEndpoint endpoint, CancellationToken cancellationToken)
    {
        var forward = new ForwardedPortLocal("127.0.0.1", 0, endpoint.Host, (uint)endpoint.Port);
        via.Client.AddForwardedPort(forward);
        forward.Start();
        try
        {
            SshClient client = await ConnectClientAsync(endpoint, "127.0.0.1", (int)forward.BoundPort, cancellationToken).ConfigureAwait(false);
            return new SshConnection(client, endpoint, via, forward);
        }
        catch
        {
            forward.Dispose();
            throw;
        }
    }

    private SshEndpoint ParseJump(string hop)
    {
        string? user = null;
        int at = hop.LastIndexOf('@');
        if (at >= 0)
        {
            user = hop[..at];
            hop = hop[(at + 1)..];
        }

        int? port = null;
        int colon = hop.LastIndexOf(':');
        if (colon > 0 && !hop.EndsWith(']') && int.TryParse(hop[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int p))
        {
            port = p;
            hop = hop[..colon];
        }

        SshEndpoint endpoint = Resolve(hop.Trim('[', ']'), user, port);
        return endpoint with { IdentityFiles = [.. _options.IdentityFiles, .. endpoint.IdentityFiles.Count > 0 ? endpoint.IdentityFiles : DefaultIdentities()] };
    }

    private SshEndpoint Resolve(string alias, string? user, int? port)
    {
        SshHostConfig cfg = _config.Value.Resolve(alias);
        IReadOnlyList<string> knownHostsFiles = _options.KnownHostsFiles.Count > 0 ? [.. _options.KnownHostsFiles]
            : cfg.KnownHostsFiles.Count > 0 ? cfg.KnownHostsFiles
            : [SshConfig.ExpandHome("~/.ssh/known_hosts")];
        IReadOnlyList<string> kex = _options.KexAlgorithms.Count > 0 ? [.. _options.KexAlgorithms] : cfg.KexAlgorithms.Where(IsSupportedKex).ToList();
        string? agent = cfg.IdentityAgent switch
        {
            null or "SSH_AUTH_SOCK" => _options.AgentSocket ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK"),
            "none" => null,
            string path => SshConfig.ExpandHome(path),
        };
        return new SshEndpoint
        {
            Alias = alias,
            Host = cfg.HostName,
            Port = port ?? cfg.Port ?? 22,
            User = user ?? cfg.User ?? _options.DefaultUser ?? Environment.UserName,
            IdentityFiles = cfg.IdentityFiles,
            IdentitiesOnly = cfg.IdentitiesOnly,
            ProxyJump = cfg.ProxyJump,
            KnownHosts = new KnownHosts(knownHostsFiles),
            AcceptNewHostKeys = _options.AcceptNewHostKeys || cfg.StrictHostKeyChecking is "accept-new" or "no" or "off",
            KexAlgorithms = kex,
            ConnectTimeout = _options.ConnectTimeout,
            AgentSocket = agent,
        };
    }

    private Exception MapConnectError(Exception ex, SshEndpoint endpoint, HostKeyVerdict? verdict, string phase)
    {
        if (verdict is { Status: HostKeyStatus.Changed })
        {
            return new HostKeyException(
                $"@@@ HOST KEY CHANGED for {KnownHosts.HostKeyName(endpoint.Host, endpoint.Port)} @@@ expected {verdict.Expected} but the server presented {verdict.Presented}; " +
                $"refusing to connect (someone may be intercepting the connection). If the change is legitimate, remove the old key from {string.Join(", ", endpoint.KnownHosts.Files)}.");
        }

        if (verdict is { Status: HostKeyStatus.Revoked })
        {
            return new HostKeyException($"Host key {verdict.Presented} of {endpoint.Host}:{endpoint.Port} is marked @revoked in known_hosts; refusing to connect.");
        }

        if (verdict is { Status: HostKeyStatus.Unknown } && !endpoint.AcceptNewHostKeys)
        {
            return new HostKeyException(
                $"Host key of {KnownHosts.HostKeyName(endpoint.Host, endpoint.Port)} is not known ({verdict.Presented}); refusing to connect. " +
                $"Verify it and add it to {string.Join(", ", endpoint.KnownHosts.Files)}, or pass --accept-new-host-keys.");
        }

        return ex switch
        {
            SshAuthenticationException => new TransportException(
                $"SSH authentication failed for {endpoint.Display} (identities: {(endpoint.IdentityFiles.Count == 0 ? "none" : string.Join(", ", endpoint.IdentityFiles))}; agent: {(endpoint.AgentSocket is null ? "none" : "yes")}; password: {(endpoint.Password is null ? "no" : "yes")}): {ex.Message}", ex),
            SshOperationTimeoutException or TimeoutException => new TransportException($"SSH connect to {endpoint.Display} timed out after {Seconds(endpoint.ConnectTimeout)} (in {phase}).", ex),
            SocketException se when se.SocketErrorCode == SocketError.TimedOut => new TransportException($"SSH connect to {endpoint.Display} timed out after {Seconds(endpoint.ConnectTimeout)} (in {phase}).", ex),
            SocketException se => new TransportException($"SSH connect to {endpoint.Display} failed: {se.Message}", ex),
            TransportException te => te,
            _ => new TransportException($"SSH connect to {endpoint.Display} failed: {ex.Message}", ex),
        };
    }

    private AuthenticationMethod[] BuildAuthentication(SshEndpoint endpoint)
    {
        var sources = new List<IPrivateKeySource>();
        foreach (string file in endpoint.IdentityFiles)
        {
            sources.Add(_keys.Load(file));
        }

        if (!endpoint.IdentitiesOnly || sources.Count == 0)
        {
            sources.AddRange(_keys.AgentKeys(endpoint.AgentSocket));
        }

        var methods = new List<AuthenticationMethod>();
        if (sources.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(endpoint.User, [.. sources]));
        }

        if (endpoint.Password is not null)
        {
            methods.Add(new PasswordAuthenticationMethod(endpoint.User, endpoint.Password));
        }

        if (methods.Count == 0)
        {
            throw new TransportException($"No SSH credentials for {endpoint.Display}: no identity file, no ssh-agent key and no password.");
        }

        return [.. methods];
    }

    private static void ApplyKex(ConnectionInfo info, IReadOnlyList<string> preferred)
    {
        IReadOnlyList<string> order = KexOrder(preferred, [.. info.KeyExchangeAlgorithms.Keys]);
        var keep = order.Select(k => (k, info.KeyExchangeAlgorithms[k])).ToList();
        info.KeyExchangeAlgorithms.Clear();
        foreach ((string name, var factory) in keep)
        {
            info.KeyExchangeAlgorithms.Add(name, factory);
        }
    }

    /// <summary>
    /// The key exchange offer: exactly the preferred names when given (unsupported ones dropped);
    /// otherwise <see cref="SshTransportOptions.DefaultKexPreference"/> first, then every other
    /// supported algorithm (post-quantum hybrids included) in SSH.NET's order.
    /// </summary>
    internal static IReadOnlyList<string> KexOrder(IReadOnlyList<string> preferred, IReadOnlyList<string> supported)
    {
        if (preferred.Count > 0)
        {
            return [.. preferred.Where(supported.Contains).Distinct(StringComparer.Ordinal)];
        }

        var first = SshTransportOptions.DefaultKexPreference.Where(supported.Contains).ToList();
        return [.. first, .. supported.Where(k => !first.Contains(k))];
    }

    private static void PreferKnownHostKeyTypes(ConnectionInfo info, IReadOnlyList<string> knownTypes)
    {
        // Like OpenSSH: when known_hosts holds a key for this host, negotiate that key type first, so a
        // host with an ed25519 and an rsa key is not reported as "changed" just because the other type won.
        int position = 0;
        foreach (string type in knownTypes)
        {
            string[] algorithms = type == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
            foreach (string algorithm in algorithms)
            {
                if (info.HostKeyAlgorithms.ContainsKey(algorithm))
                {
                    info.HostKeyAlgorithms.SetPosition(algorithm, position++);
                }
            }
        }
    }

    private static string KeyTypeOf(byte[] blob)
    {
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(blob);
        return Encoding.ASCII.GetString(blob, 4, length);
    }

    private static List<string> DefaultIdentities() =>
        new[] { "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa" }.Select(SshConfig.ExpandHome).Where(File.Exists).ToList();

    private static string? Var(Target target, string name) =>
        target.Vars.TryGetValue(name, out object? value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    private static int? ParsePort(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? port : null;
}
