namespace Fanout.Transports.Ssh;

/// <summary>Settings of the in-process SSH transport (spec S2). Validate with <see cref="Validate"/>.</summary>
public sealed class SshTransportOptions
{
    /// <summary>Path of the OpenSSH client config file.</summary>
    /// <value>The default is <c>~/.ssh/config</c> when it exists; an explicitly given file must exist.</value>
    public string? ConfigFile { get; set; }

    /// <summary>known_hosts files consulted for host key verification; new keys are appended to the first.</summary>
    /// <value>The default is <c>~/.ssh/known_hosts</c> (plus files named by <c>UserKnownHostsFile</c> in the config).</value>
    public IList<string> KnownHostsFiles { get; set; } = [];

    /// <summary>Whether a host whose key is not in known_hosts is accepted (and its key recorded).</summary>
    /// <value>The default is <see langword="false"/>: unknown keys are refused. A changed key is always refused.</value>
    public bool AcceptNewHostKeys { get; set; }

    /// <summary>
    /// The key exchange order offered when neither <see cref="KexAlgorithms"/> nor the ssh config names one:
    /// <c>curve25519-sha256</c>, <c>curve25519-sha256@libssh.org</c>, <c>ecdh-sha2-nistp256/384/521</c>, followed
    /// by every other algorithm SSH.NET supports (the post-quantum hybrids included). SSH.NET's own order puts the
    /// post-quantum hybrids first, which costs the client ~60 ms CPU per connection.
    /// </summary>
    public static IReadOnlyList<string> DefaultKexPreference { get; } =
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"];

    /// <summary>Key exchange algorithms in order of preference; only these are offered.</summary>
    /// <value>The default is empty: <see cref="DefaultKexPreference"/> first, then SSH.NET's other algorithms. Name a post-quantum hybrid (e.g. <c>mlkem768x25519-sha256</c>) to prefer it.</value>
    public IList<string> KexAlgorithms { get; set; } = [];

    /// <summary>Time allowed for TCP connect, handshake and authentication, distinct from a command's timeout.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Private key files tried before any from the config (like <c>ssh -i</c>).</summary>
    /// <value>The default is empty.</value>
    public IList<string> IdentityFiles { get; set; } = [];

    /// <summary>Name of the environment variable holding the passphrase of encrypted keys.</summary>
    /// <value>The default is <c>FANOUT_SSH_PASSPHRASE</c>.</value>
    public string PassphraseEnvironmentVariable { get; set; } = "FANOUT_SSH_PASSPHRASE";

    /// <summary>Asks for the passphrase of an encrypted key (argument: key path); <see langword="null"/> answer means none.</summary>
    /// <value>The default is <see langword="null"/>: no prompt.</value>
    public Func<string, string?>? PassphrasePrompt { get; set; }

    /// <summary>Password for password authentication; used only when explicitly given.</summary>
    /// <value>The default is <see langword="null"/>: no password authentication.</value>
    public string? Password { get; set; }

    /// <summary>Whether keys held by ssh-agent (<c>SSH_AUTH_SOCK</c>) are tried.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool UseAgent { get; set; } = true;

    /// <summary>Path of the agent socket.</summary>
    /// <value>The default is the <c>SSH_AUTH_SOCK</c> environment variable.</value>
    public string? AgentSocket { get; set; }

    /// <summary>User name when neither the target nor the config names one.</summary>
    /// <value>The default is the current user.</value>
    public string? DefaultUser { get; set; }

    /// <summary>Time between TERM and KILL when a remote process group is stopped on timeout or cancel.</summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan KillGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Settings of network-device mode (spec S4).</summary>
    public DeviceOptions Device { get; set; } = new();

    /// <summary>Returns every problem with these settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("ConnectTimeout must be positive.");
        }

        if (KillGracePeriod < TimeSpan.Zero)
        {
            errors.Add("KillGracePeriod must not be negative.");
        }

        if (ConfigFile is not null && !File.Exists(ConfigFile))
        {
            errors.Add($"SSH config file '{ConfigFile}' does not exist.");
        }

        foreach (string kex in KexAlgorithms)
        {
            if (!SshConnector.IsSupportedKex(kex))
            {
                errors.Add($"Key exchange algorithm '{kex}' is not supported (supported: {string.Join(", ", SshConnector.SupportedKex())}).");
            }
        }

        foreach (string file in IdentityFiles)
        {
            if (!File.Exists(file))
            {
                errors.Add($"Identity file '{file}' does not exist.");
            }
        }

        errors.AddRange(Device.Validate());
        return errors;
    }
}
