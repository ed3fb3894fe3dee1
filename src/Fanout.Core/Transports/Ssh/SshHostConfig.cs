namespace Fanout.Transports.Ssh;

/// <summary>The settings an ssh config yields for one host alias.</summary>
internal sealed record SshHostConfig
{
    public required string Alias { get; init; }

    public required string HostName { get; init; }

    public string? User { get; init; }

    public int? Port { get; init; }

    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    public bool IdentitiesOnly { get; init; }

    public string? ProxyJump { get; init; }

    public IReadOnlyList<string> KnownHostsFiles { get; init; } = [];

    public string? StrictHostKeyChecking { get; init; }

    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    public TimeSpan? ConnectTimeout { get; init; }

    public string? IdentityAgent { get; init; }
}
