namespace Fanout.Inventory;

/// <summary>
/// Collects hosts, groups, variables and providers from one or more sources, with Ansible's
/// inventory semantics (insertion order, <c>all</c>/<c>ungrouped</c>, cycle checks) plus Fanout's
/// merge rule: a value set differently by two sources is an error unless the later one overrides.
/// </summary>
internal sealed partial class InventoryBuilder
{
    public const string All = "all";
    public const string Ungrouped = "ungrouped";

    private readonly List<GroupNode> _groupOrder = [];
    private readonly Dictionary<string, GroupNode> _groups = new(StringComparer.Ordinal);
    private readonly List<HostNode> _hostOrder = [];
    private readonly Dictionary<string, HostNode> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredProvider> _providers = new(StringComparer.Ordinal);
    private InventorySource _source = new("(code)", 0, isOverride: false);

    public InventoryBuilder()
    {
        AddGroup(All, default);
        AddGroup(Ungrouped, default);
        AddChild(All, Ungrouped, default);
        _providers[ProviderDefinition.AzureName] = new StoredProvider(ProviderDefinition.Azure, default, -1);
    }

    public InventorySource Source => _source;

    public void BeginSource(InventorySource source) => _source = source;

    public bool HasGroup(string name) => _groups.ContainsKey(name);

    public bool HasHost(string name) => _hosts.ContainsKey(name);

    public IEnumerable<string> GroupNames => _groupOrder.Select(g => g.Name);

    public IEnumerable<string> HostNames => _hostOrder.Select(h => h.Name);

    public GroupNode AddGroup(string name, SourceLocation location)
    {
        if (!_groups.TryGetValue(name, out GroupNode? group))
        {
            group = new GroupNode(name, location);
            _groups.Add(name, group);
            _groupOrder.Add(group);
        }

        return group;
    }

    /// <summary>Adds a host (once) and, when <paramref name="group"/> is given, makes it a direct member.</summary>
    public HostNode AddHost(string name, SourceLocation location, string? group)
    {
        if (!_hosts.TryGetValue(name, out HostNode? host))
        {
            host = new HostNode(name, location);
            _hosts.Add(name, host);
            _hostOrder.Add(host);
        }

        if (group is not null)
        {
            AddMember(AddGroup(group, location), host);
        }

        return host;
    }

    public HostNode GetHost(string name) => _hosts[name];

    /// <summary>Makes <paramref name="child"/> a child of <paramref name="parent"/>; a cycle is an error naming it.</summary>
    public void AddChild(string parent, string child, SourceLocation location)
    {
        GroupNode p = AddGroup(parent, location);
        GroupNode c = AddGroup(child, location);
        if (p.Children.Contains(child, StringComparer.Ordinal))
        {
            return;
        }

        List<string>? path = parent == child ? [child] : FindPath(child, parent);
        if (path is not null)
        {
            // path runs child → … → parent; the new edge parent → child closes it.
            var cycle = new List<string> { parent };
            cycle.AddRange(path);
            throw new InventoryException(location, $"group cycle: {string.Join(" -> ", cycle)} (adding '{child}' as a child of '{parent}')");
        }

        p.Children.Add(child);
        c.Parents.Add(parent);
    }

    public void SetGroupVar(string group, string key, object? value, SourceLocation location) =>
        Store(AddGroup(group, location).Vars, key, value, location, () => $"variable '{key}' of group '{group}'");

    public void SetHostVar(HostNode host, string key, object? value, SourceLocation location) =>
        Store(host.Vars, key, value, location, () => $"variable '{key}' of target '{host.Name}'");

    public void SetDefaultVar(HostNode host, string key, object? value, SourceLocation location) =>
        Store(host.DefaultVars, key, value, location, () => $"default variable '{key}' of target '{host.Name}'");

    public void SetHostField(HostNode host, string field, object? value, SourceLocation location) =>
        Store(host.Fields, field, value, location, () => $"field '{field}' of target '{host.Name}'");

    public void SetHostTag(HostNode host, string key, string value, SourceLocation location) =>
        Store(host.Tags, key, value, location, () => $"tag '{key}' of target '{host.Name}'");

    public void AddProvider(ProviderDefinition provider, SourceLocation location)
    {
        if (_providers.TryGetValue(provider.Name, out StoredProvider? existing)
            && existing.SourceIndex >= 0
            && existing.SourceIndex != _source.Index
            && existing.Provider != provider
            && !_source.IsOverride)
        {
            throw new InventoryException(location, $"provider '{provider.Name}' differs from its definition at {existing.Location}; mark the later source as override to replace it");
        }

        _providers[provider.Name] = new StoredProvider(provider, location, _source.Index);
    }

    private void AddMember(GroupNode group, HostNode host)
    {
        if (group.HostSet.Add(host.Name))
        {
            group.Hosts.Add(host.Name);
        }

        if (!host.Groups.Contains(group.Name, StringComparer.Ordinal))
        {
            host.Groups.Add(group.Name);
        }
    }

    private void Store(Dictionary<string, StoredValue> values, string key, object? value, SourceLocation location, Func<string> what)
    {
        if (values.TryGetValue(key, out StoredValue? existing)
            && existing.SourceIndex != _source.Index
            && !_source.IsOverride
            && !ValueEquality.Equals(existing.Value, value))
        {
            throw new InventoryException(
                location,
                $"{what()} is {ValueEquality.Show(value)} here but {ValueEquality.Show(existing.Value)} at {existing.Location}; " +
                "a later source may replace it only when marked as override (override:PATH, or 'override: true' in a native file)");
        }

        values[key] = new StoredValue(value, location, _source.Index);
    }

    /// <summary>A path of group names from <paramref name="from"/> down to <paramref name="to"/>, or null.</summary>
    private List<string>? FindPath(string from, string to)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        return Walk(from) ? path : null;

        bool Walk(string name)
        {
            path.Add(name);
            if (name == to)
            {
                return true;
            }

            if (visited.Add(name))
            {
                foreach (string child in _groups[name].Children)
                {
                    if (Walk(child))
                    {
                        return true;
                    }
                }
            }

            path.RemoveAt(path.Count - 1);
            return false;
        }
    }

    internal sealed class GroupNode(string name, SourceLocation location)
    {
        public string Name { get; } = name;
        public SourceLocation Location { get; } = location;
        public List<string> Hosts { get; } = [];
        public HashSet<string> HostSet { get; } = new(StringComparer.Ordinal);
        public List<string> Children { get; } = [];
        public List<string> Parents { get; } = [];
        public Dictionary<string, StoredValue> Vars { get; } = new(StringComparer.Ordinal);
    }

    internal sealed class HostNode(string name, SourceLocation location)
    {
        public string Name { get; } = name;
        public SourceLocation Location { get; } = location;

        /// <summary>Direct groups, in the order the host joined them.</summary>
        public List<string> Groups { get; } = [];
        public Dictionary<string, StoredValue> Vars { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, StoredValue> DefaultVars { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, StoredValue> Fields { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, StoredValue> Tags { get; } = new(StringComparer.Ordinal);

        /// <summary>Whether an Ansible-format source defined the host (then its default transport is ssh).</summary>
        public bool FromAnsible { get; set; }
    }

    internal sealed record StoredValue(object? Value, SourceLocation Location, int SourceIndex);

    private sealed record StoredProvider(ProviderDefinition Provider, SourceLocation Location, int SourceIndex);
}
