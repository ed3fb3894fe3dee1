using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Which run events go to which channels (W16 <c>notifications:</c>).</summary>
public sealed record NotificationSettings
{
    /// <summary>Known event names.</summary>
    public static IReadOnlyList<string> KnownEvents { get; } = ["started", "completed", "failed", "requires_approval"];

    /// <summary>Channel names, mapped to webhooks or commands by Fanout's configuration.</summary>
    public IReadOnlyList<NamedReference> Channels { get; init; } = [];

    /// <summary>Events to send. The default is all <see cref="KnownEvents"/>.</summary>
    public IReadOnlyList<string> Events { get; init; } = KnownEvents;

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
