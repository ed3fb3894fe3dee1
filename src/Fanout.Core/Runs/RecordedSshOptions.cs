using Fanout.Transports.Ssh;

namespace Fanout.Runs;

/// <summary>
/// The SSH settings a run used, stored with its <see cref="RunDefinition"/> so that resume, retry and
/// schedules connect the same way. Never holds secrets (no password, no passphrase).
/// </summary>
public sealed record RecordedSshOptions
{
    /// <summary>The ssh_config file, or <see langword="null"/> for the default.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>known_hosts files; empty for the default.</summary>
    public IReadOnlyList<string> KnownHostsFiles { get; init; } = [];

    /// <summary>Whether unknown host keys were accepted.</summary>
    public bool AcceptNewHostKeys { get; init; }

    /// <summary>Key exchange algorithms; empty for the default order.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    /// <summary>Identity files tried first.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>Connect timeout; <see langword="null"/> for the default.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Records the non-secret part of <paramref name="options"/>.</summary>
    public static RecordedSshOptions From(SshTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RecordedSshOptions
        {
            ConfigFile = options.ConfigFile is null ? null : Path.GetFullPath(options.ConfigFile),
            KnownHostsFiles = [.. options.KnownHostsFiles.Select(Path.GetFullPath)],
            AcceptNewHostKeys = options.AcceptNewHostKeys,
            KexAlgorithms = [.. options.KexAlgorithms],
            IdentityFiles = [.. options.IdentityFiles.Select(Path.GetFullPath)],
            ConnectTimeout = options.ConnectTimeout,
        };
    }

    /// <summary>Rebuilds transport options (without password or passphrase prompt).</summary>
    public SshTransportOptions ToOptions()
    {
        var options = new SshTransportOptions
        {
            ConfigFile = ConfigFile,
            KnownHostsFiles = [.. KnownHostsFiles],
            AcceptNewHostKeys = AcceptNewHostKeys,
            KexAlgorithms = [.. KexAlgorithms],
            IdentityFiles = [.. IdentityFiles],
        };
        if (ConnectTimeout is { } timeout)
        {
            options.ConnectTimeout = timeout;
        }

        return options;
    }
}
