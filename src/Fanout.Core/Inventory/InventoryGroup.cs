namespace Fanout.Inventory;

/// <summary>
/// A group of targets (SPEC T2/T3): its direct members, its child groups and its own variables.
/// The built-in groups <c>all</c> and <c>ungrouped</c> always exist and follow Ansible's rules.
/// </summary>
public sealed record InventoryGroup
{
    /// <summary>The group name, unique within an inventory.</summary>
    public required string Name { get; init; }

    /// <summary>The names of the targets that are direct members, in the order they joined (like Ansible).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>The names of the child groups, in declaration order.</summary>
    public IReadOnlyList<string> Children { get; init; } = [];

    /// <summary>Variables applied to every member (directly or through children); target variables win.</summary>
    public IReadOnlyDictionary<string, object?> Vars { get; init; } = new Dictionary<string, object?>();
}
