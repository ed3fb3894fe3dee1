namespace Fanout.Inventory;

/// <summary>
/// A named thing an operation runs on (SPEC T1): a host, a VM, a device or a service instance.
/// Immutable; inventories build targets, selections pick them, the executor runs on them.
/// </summary>
public sealed record Target
{
    /// <summary>The unique name of the target within an inventory.</summary>
    public required string Name { get; init; }

    /// <summary>The address to connect to. <see langword="null"/> means the <see cref="Name"/> is the address.</summary>
    public string? Host { get; init; }

    /// <summary>The port to connect to, or <see langword="null"/> for the transport's default (22 for ssh).</summary>
    public int? Port { get; init; }

    /// <summary>The user to connect as, or <see langword="null"/> for the transport's default.</summary>
    public string? User { get; init; }

    /// <summary>The transport name: <c>local</c> or <c>ssh</c>. The default value is <c>local</c>.</summary>
    public string Transport { get; init; } = TransportNames.Local;

    /// <summary>Free-form tags (string map) used by <c>--tag</c> selection.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyTags;

    /// <summary>The groups the target belongs to, directly or through group children, in a stable order.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Free variables, usable in templates and exported to local processes.</summary>
    public IReadOnlyDictionary<string, object?> Vars { get; init; } = EmptyVars;

    /// <summary>
    /// The inventory source that first defined the target, as given to the loader (a file path, or a spec such as
    /// <c>tmux:PREFIX</c>); <see langword="null"/> for targets built in code. Used to filter and count targets by source.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>The name of the lifecycle provider (SPEC L1), or <see langword="null"/>.</summary>
    public string? Provider { get; init; }

    /// <summary>
    /// The agent instance this target is (SPEC I1: a program in a tmux session, in its own git worktree and
    /// branch), or <see langword="null"/> for other targets. Set by <c>instances:</c> and <c>tmux:PREFIX</c> sources.
    /// </summary>
    public Instances.InstanceSpec? Instance { get; init; }

    /// <summary>The address to connect to: <see cref="Host"/> when set, else <see cref="Name"/>.</summary>
    public string Address => Host ?? Name;

    private static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, object?> EmptyVars = new Dictionary<string, object?>();
}
