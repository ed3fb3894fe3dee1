namespace Fanout.Inventory;

/// <summary>
/// A loaded inventory (SPEC T1–T4, L1): targets in a stable order, groups (including Ansible's
/// built-in <c>all</c> and <c>ungrouped</c>) and lifecycle providers. Immutable and thread-safe.
/// Build one with <see cref="InventoryLoader"/> or, in code, with the public constructor.
/// </summary>
public sealed class Inventory
{
    private readonly Dictionary<string, Target> _targetsByName;
    private readonly Dictionary<string, InventoryGroup> _groupsByName;
    private readonly Dictionary<string, IReadOnlyList<Target>> _groupTargets = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// Creates an inventory in code. Group membership comes from <see cref="Target.Groups"/> and from
    /// <paramref name="groups"/>; group variables are merged into the targets' <see cref="Target.Vars"/>
    /// (target variables win), and <see cref="Target.Groups"/> is completed with parent groups.
    /// </summary>
    /// <param name="targets">The targets; names must be unique.</param>
    /// <param name="groups">Extra group definitions (members, children, vars), or <see langword="null"/>.</param>
    /// <param name="providers">Lifecycle providers besides the built-in <c>azure</c> preset, or <see langword="null"/>.</param>
    /// <exception cref="InventoryException">A duplicate target, an unknown member or provider, or a group cycle.</exception>
    public Inventory(IEnumerable<Target> targets, IEnumerable<InventoryGroup>? groups = null, IEnumerable<ProviderDefinition>? providers = null)
    {
        Inventory built = InventoryFromCode.Build(targets, groups, providers);
        Targets = built.Targets;
        Groups = built.Groups;
        Providers = built.Providers;
        Sources = built.Sources;
        _targetsByName = built._targetsByName;
        _groupsByName = built._groupsByName;
    }

    internal Inventory(List<Target> targets, List<InventoryGroup> groups, Dictionary<string, ProviderDefinition> providers, IReadOnlyList<string> sources, bool trusted)
    {
        _ = trusted;
        Targets = targets;
        Groups = groups;
        Providers = providers;
        Sources = sources;
        _targetsByName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _groupsByName = groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
    }

    /// <summary>An inventory without targets (only the built-in groups and the <c>azure</c> provider).</summary>
    public static Inventory Empty { get; } = new InventoryBuilder().Build([]);

    /// <summary>Every target, deduplicated, in the order the sources first defined them.</summary>
    public IReadOnlyList<Target> Targets { get; }

    /// <summary>Every group in creation order, starting with <c>all</c> and <c>ungrouped</c>.</summary>
    public IReadOnlyList<InventoryGroup> Groups { get; }

    /// <summary>Lifecycle providers by name, including the built-in <c>azure</c> preset unless redefined.</summary>
    public IReadOnlyDictionary<string, ProviderDefinition> Providers { get; }

    /// <summary>The source specs the inventory was loaded from, in order.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Returns the target with this exact name, or <see langword="null"/>.</summary>
    public Target? FindTarget(string name) => _targetsByName.GetValueOrDefault(name);

    /// <summary>Returns the group with this exact name, or <see langword="null"/>.</summary>
    public InventoryGroup? FindGroup(string name) => _groupsByName.GetValueOrDefault(name);

    /// <summary>
    /// The targets of a group and of all its descendants, in Ansible's order: the group's own members,
    /// then its children's, level by level (breadth first), each target once.
    /// </summary>
    /// <exception cref="ArgumentException">The group does not exist.</exception>
    public IReadOnlyList<Target> GetGroupTargets(string groupName)
    {
        lock (_lock)
        {
            if (_groupTargets.TryGetValue(groupName, out IReadOnlyList<Target>? cached))
            {
                return cached;
            }
        }

        InventoryGroup root = FindGroup(groupName) ?? throw new ArgumentException($"unknown group '{groupName}'", nameof(groupName));

        // Ansible's Group._walk_relationship(preserve_ordering=True): self, children, then each next
        // level. Ansible iterates a level as a Python set (unordered); Fanout keeps declaration order.
        var ordered = new List<InventoryGroup> { root };
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.Name };
        var level = new List<InventoryGroup>();
        foreach (string child in root.Children)
        {
            if (seen.Add(child))
            {
                level.Add(_groupsByName[child]);
            }
        }

        while (level.Count > 0)
        {
            ordered.AddRange(level);
            var next = new List<InventoryGroup>();
            foreach (InventoryGroup group in level)
            {
                foreach (string child in group.Children)
                {
                    if (seen.Add(child))
                    {
                        next.Add(_groupsByName[child]);
                    }
                }
            }

            level = next;
        }

        var hosts = new List<Target>();
        var hostSeen = new HashSet<string>(StringComparer.Ordinal);
        foreach (InventoryGroup group in ordered)
        {
            foreach (string name in group.Targets)
            {
                if (hostSeen.Add(name))
                {
                    hosts.Add(_targetsByName[name]);
                }
            }
        }

        lock (_lock)
        {
            _groupTargets[groupName] = hosts;
        }

        return hosts;
    }
}
