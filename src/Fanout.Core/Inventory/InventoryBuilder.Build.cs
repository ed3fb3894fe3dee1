using System.Globalization;

namespace Fanout.Inventory;

internal sealed partial class InventoryBuilder
{
    private static readonly HashSet<string> SshConnections = new(StringComparer.Ordinal) { "ssh", "smart", "paramiko", "paramiko_ssh" };

    /// <summary>Applies Ansible's reconcile rules and materializes the immutable <see cref="Inventory"/>.</summary>
    public Inventory Build(IReadOnlyList<string> sources)
    {
        Reconcile();
        Dictionary<string, int> depth = ComputeDepths();
        var providers = _providers.Values.ToDictionary(p => p.Provider.Name, p => p.Provider, StringComparer.Ordinal);

        var targets = new List<Target>(_hostOrder.Count);
        foreach (HostNode host in _hostOrder)
        {
            targets.Add(Materialize(host, depth, providers));
        }

        var groups = _groupOrder.Select(g => new InventoryGroup
        {
            Name = g.Name,
            Targets = g.Hosts.ToArray(),
            Children = g.Children.ToArray(),
            Vars = g.Vars.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
        }).ToList();

        return new Inventory(targets, groups, providers, sources, trusted: true);
    }

    /// <summary>Ansible's <c>reconcile_inventory</c>: top-level groups join <c>all</c>; hosts without a group join <c>ungrouped</c>.</summary>
    private void Reconcile()
    {
        foreach (GroupNode group in _groupOrder.ToArray())
        {
            if (group.Name != All && group.Parents.Count == 0)
            {
                AddChild(All, group.Name, group.Location);
            }
        }

        GroupNode ungrouped = _groups[Ungrouped];
        foreach (HostNode host in _hostOrder)
        {
            bool inUngrouped = host.Groups.Contains(Ungrouped, StringComparer.Ordinal);
            bool hasOther = host.Groups.Any(g => g != All && g != Ungrouped);
            if (inUngrouped && hasOther)
            {
                ungrouped.Hosts.Remove(host.Name);
                ungrouped.HostSet.Remove(host.Name);
                host.Groups.Remove(Ungrouped);
            }
            else if (!inUngrouped && !hasOther)
            {
                AddMember(ungrouped, host);
            }
        }
    }

    /// <summary>Ansible's group depth: the longest path from <c>all</c>; deeper groups' variables win.</summary>
    private Dictionary<string, int> ComputeDepths()
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (GroupNode group in _groupOrder)
        {
            Depth(group.Name);
        }

        return depth;

        int Depth(string name)
        {
            if (depth.TryGetValue(name, out int known))
            {
                return known;
            }

            GroupNode g = _groups[name];
            int value = g.Parents.Count == 0 ? 0 : g.Parents.Max(p => Depth(p) + 1);
            depth[name] = value;
            return value;
        }
    }

    private Target Materialize(HostNode host, Dictionary<string, int> depth, Dictionary<string, ProviderDefinition> providers)
    {
        // Every group the host belongs to, directly or through parents.
        var ancestors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(host.Groups);
        while (queue.Count > 0)
        {
            string name = queue.Dequeue();
            if (!seen.Add(name))
            {
                continue;
            }

            ancestors.Add(name);
            foreach (string parent in _groups[name].Parents)
            {
                queue.Enqueue(parent);
            }
        }

        // Ansible's precedence: defaults < groups sorted by (depth, priority, name) < host.
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string key, StoredValue value) in host.DefaultVars)
        {
            vars[key] = value.Value;
        }

        foreach (GroupNode group in ancestors.Select(a => _groups[a])
                     .OrderBy(g => depth[g.Name])
                     .ThenBy(Priority)
                     .ThenBy(g => g.Name, StringComparer.Ordinal))
        {
            foreach ((string key, StoredValue value) in group.Vars)
            {
                vars[key] = value.Value;
            }
        }

        foreach ((string key, StoredValue value) in host.Vars)
        {
            vars[key] = value.Value;
        }

        string? address = Field(host, "host") ?? VarString(vars, "ansible_host") ?? VarString(vars, "ansible_ssh_host");
        string? user = Field(host, "user") ?? VarString(vars, "ansible_user") ?? VarString(vars, "ansible_ssh_user");
        int? port = host.Fields.TryGetValue("port", out StoredValue? p) ? (int?)Convert.ToInt32(p.Value, CultureInfo.InvariantCulture)
            : ParsePort(host, vars, "ansible_port") ?? ParsePort(host, vars, "ansible_ssh_port");

        string? keyFile = VarString(vars, "ansible_ssh_private_key_file") ?? VarString(vars, "ansible_private_key_file");
        if (keyFile is not null && !vars.ContainsKey(TargetVars.SshPrivateKeyFile))
        {
            vars[TargetVars.SshPrivateKeyFile] = keyFile;
        }

        string transport = Field(host, "transport") ?? VarString(vars, TargetVars.FanoutTransport) ?? ConnectionTransport(VarString(vars, "ansible_connection"))
            ?? (host.FromAnsible || address is not null ? TransportNames.Ssh : TransportNames.Local);

        string? provider = Field(host, "provider") ?? VarString(vars, TargetVars.FanoutProvider);
        if (provider is not null && !providers.ContainsKey(provider))
        {
            SourceLocation where = host.Fields.TryGetValue("provider", out StoredValue? pv) ? pv.Location : host.Location;
            throw new InventoryException(where, $"target '{host.Name}' uses unknown provider '{provider}'{Suggestions.DidYouMean(provider, providers.Keys)}");
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in TagsFromVar(host, vars.GetValueOrDefault(TargetVars.FanoutTags)))
        {
            tags[key] = value;
        }

        foreach ((string key, StoredValue value) in host.Tags)
        {
            tags[key] = (string)value.Value!;
        }

        // Direct groups first (so the first group is the one a target was placed in, e.g. an Azure
        // resource group), then inherited groups in inventory order; 'all' and 'ungrouped' are implicit.
        var groups = host.Groups.Where(g => g != All && g != Ungrouped).ToList();
        groups.AddRange(_groupOrder.Select(g => g.Name).Where(g => g != All && g != Ungrouped && seen.Contains(g) && !groups.Contains(g)));

        return new Target
        {
            Name = host.Name,
            Host = address,
            Port = port,
            User = user,
            Transport = transport,
            Tags = tags,
            Groups = groups,
            Vars = vars,
            Provider = provider,
            Instance = InstanceOf(host),
            Source = host.Location.File is "(code)" ? null : host.Location.File,
        };
    }

    /// <summary>The prefix of host fields that describe an agent instance (<c>instance.repository</c> …).</summary>
    public const string InstanceFieldPrefix = "instance.";

    private static Instances.InstanceSpec? InstanceOf(HostNode host)
    {
        string? Get(string field) => Field(host, InstanceFieldPrefix + field);
        if (Get("repository") is not { } repository)
        {
            return null;
        }

        return new Instances.InstanceSpec
        {
            Repository = repository,
            Program = Get("program") ?? Environment.GetEnvironmentVariable("SHELL") ?? "sh",
            Branch = Get("branch") ?? Instances.InstanceSpec.DefaultBranch(host.Name),
            Worktree = Get("worktree") ?? Instances.InstanceSpec.DefaultWorktree(repository, host.Name),
            Session = Get("session") is { } session ? Instances.InstanceSpec.SessionName(session) : Instances.InstanceSpec.DefaultSession(host.Name),
            Socket = Get("socket"),
            BaseRef = Get("base"),
        };
    }

    private int Priority(GroupNode group) =>
        group.Vars.TryGetValue("ansible_group_priority", out StoredValue? v)
        && int.TryParse(ValueEquality.AsString(v.Value), NumberStyles.Integer, CultureInfo.InvariantCulture, out int priority) ? priority : 1;

    private static string? Field(HostNode host, string name) =>
        host.Fields.TryGetValue(name, out StoredValue? value) ? ValueEquality.AsString(value.Value) : null;

    private static string? VarString(Dictionary<string, object?> vars, string name) =>
        vars.TryGetValue(name, out object? value) ? ValueEquality.AsString(value) : null;

    private static int? ParsePort(HostNode host, Dictionary<string, object?> vars, string name)
    {
        string? text = VarString(vars, name);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
        {
            return port;
        }

        SourceLocation where = host.Vars.TryGetValue(name, out StoredValue? sv) ? sv.Location : host.Location;
        throw new InventoryException(where, $"target '{host.Name}': {name} must be a port number 1-65535, got '{text}'");
    }

    private static string? ConnectionTransport(string? connection) => connection switch
    {
        null => null,
        "local" => TransportNames.Local,
        _ when SshConnections.Contains(connection) => TransportNames.Ssh,
        _ => connection, // e.g. winrm: kept, so the run reports an unknown transport instead of guessing.
    };

    private static IEnumerable<KeyValuePair<string, string>> TagsFromVar(HostNode host, object? value)
    {
        switch (value)
        {
            case null:
                yield break;
            case IReadOnlyDictionary<string, object?> map:
                foreach ((string key, object? v) in map)
                {
                    yield return new(key, ValueEquality.AsString(v) ?? string.Empty);
                }

                yield break;
            case string text:
                foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    int eq = part.IndexOf('=', StringComparison.Ordinal);
                    yield return eq < 0 ? new(part, string.Empty) : new(part[..eq], part[(eq + 1)..]);
                }

                yield break;
            default:
                throw new InventoryException(host.Location, $"target '{host.Name}': {TargetVars.FanoutTags} must be a mapping or a 'k=v,k2=v2' string");
        }
    }
}
