namespace Fanout.Transports.Ssh;

/// <summary>Where and how to reach one host: the merge of target fields, Ansible vars, ssh config and options.</summary>
internal sealed record SshEndpoint
{
    public required string Alias { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string User { get; init; }

    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    public bool IdentitiesOnly { get; init; }

    public string? Password { get; init; }

    public string? ProxyJump { get; init; }

    public required KnownHosts KnownHosts { get; init; }

    public bool AcceptNewHostKeys { get; init; }

    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    public TimeSpan ConnectTimeout { get; init; }

    public string? AgentSocket { get; init; }

    public string Display => $"{User}@{Host}:{Port}";
}
