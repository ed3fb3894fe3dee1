using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Fanout.Inventory;

/// <summary>
/// Reads Fanout's native inventory (SPEC T2), YAML or JSON: <c>override</c>, <c>defaults</c>,
/// <c>targets</c>, <c>groups</c>, <c>providers</c>, <c>instances</c> (agent instances, SPEC I1). Unknown
/// fields are errors with a hint.
/// </summary>
internal static class NativeInventoryParser
{
    public static readonly string[] TopFields = ["override", "defaults", "targets", "groups", "providers", "instances"];
    private static readonly string[] InstanceFields = ["repository", "program", "branch", "worktree", "session", "socket", "base", "tags", "groups", "vars"];
    private static readonly string[] TargetFields = ["host", "port", "user", "transport", "tags", "groups", "vars", "provider"];
    private static readonly string[] DefaultFields = ["port", "user", "transport", "tags", "vars", "provider"];
    private static readonly string[] GroupFields = ["targets", "children", "vars"];
    private static readonly string[] ProviderFields = ["start", "stop", "restart", "status"];

    public static void Parse(YamlNode? root, InventorySource source, InventoryBuilder builder)
    {
        if (root is null || root.IsNull())
        {
            return;
        }

        YamlMappingNode top = root.Mapping(source, "a native inventory") ?? new YamlMappingNode();
        YamlNodes.CheckFields(top, source, "the inventory", TopFields);

        if (Child(top, "override") is { } overrideNode)
        {
            source.IsOverride |= Bool(overrideNode, source, "override");
        }

        if (Child(top, "providers")?.Mapping(source, "providers") is { } providers)
        {
            foreach ((YamlNode key, YamlNode value) in providers.Children)
            {
                ParseProvider(key.Text(source, "a provider name"), key, value, source, builder);
            }
        }

        YamlMappingNode? defaults = Child(top, "defaults")?.Mapping(source, "defaults");
        if (defaults is not null)
        {
            YamlNodes.CheckFields(defaults, source, "defaults", DefaultFields);
        }

        YamlMappingNode? groups = Child(top, "groups")?.Mapping(source, "groups");
        foreach ((YamlNode key, _) in (groups ?? new YamlMappingNode()).Children)
        {
            builder.AddGroup(Name(key, source, "a group name"), key.At(source));
        }

        var memberships = new List<(string Target, YamlNode Group)>();
        if (Child(top, "targets")?.Mapping(source, "targets") is { } targets)
        {
            foreach ((YamlNode key, YamlNode value) in targets.Children)
            {
                ParseTarget(Name(key, source, "a target name"), key, value, defaults, source, builder, memberships);
            }
        }

        if (Child(top, "instances")?.Mapping(source, "instances") is { } instances)
        {
            foreach ((YamlNode key, YamlNode value) in instances.Children)
            {
                ParseInstance(Name(key, source, "an instance title"), key, value, source, builder, memberships);
            }
        }

        var children = new List<(string Parent, YamlNode Child)>();
        foreach ((YamlNode key, YamlNode value) in (groups ?? new YamlMappingNode()).Children)
        {
            string group = key.Text(source, "a group name");
            YamlMappingNode? body = value.Mapping(source, $"group '{group}'");
            if (body is null)
            {
                continue;
            }

            YamlNodes.CheckFields(body, source, $"group '{group}'", GroupFields);
            foreach (YamlNode member in Names(Child(body, "targets"), source, $"targets of group '{group}'"))
            {
                string name = member.Text(source, "a target name");
                if (!builder.HasHost(name))
                {
                    throw new InventoryException(member.At(source), $"group '{group}' lists unknown target '{name}'{Suggestions.DidYouMean(name, builder.HostNames)}");
                }

                builder.AddHost(name, member.At(source), group);
            }

            children.AddRange(Names(Child(body, "children"), source, $"children of group '{group}'").Select(c => (group, c)));
            if (Child(body, "vars")?.Mapping(source, $"vars of group '{group}'") is { } vars)
            {
                foreach ((YamlNode k, YamlNode v) in vars.Children)
                {
                    builder.SetGroupVar(group, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
                }
            }
        }

        foreach ((string target, YamlNode group) in memberships)
        {
            builder.AddHost(target, group.At(source), Name(group, source, "a group name"));
        }

        foreach ((string parent, YamlNode child) in children)
        {
            string name = child.Text(source, "a group name");
            if (!builder.HasGroup(name))
            {
                throw new InventoryException(child.At(source), $"group '{parent}' lists unknown child group '{name}'{Suggestions.DidYouMean(name, builder.GroupNames)}");
            }

            builder.AddChild(parent, name, child.At(source));
        }
    }

    private static void ParseTarget(string name, YamlNode key, YamlNode value, YamlMappingNode? defaults, InventorySource source,
        InventoryBuilder builder, List<(string, YamlNode)> memberships)
    {
        YamlMappingNode? body = value.Mapping(source, $"target '{name}'");
        if (body is not null)
        {
            YamlNodes.CheckFields(body, source, $"target '{name}'", TargetFields);
        }

        InventoryBuilder.HostNode host = builder.AddHost(name, key.At(source), group: null);
        foreach (string field in new[] { "host", "port", "user", "transport", "provider" })
        {
            YamlNode? node = (body is null ? null : Child(body, field)) ?? (defaults is null ? null : Child(defaults, field));
            if (node is not null && !node.IsNull())
            {
                object fieldValue = field == "port" ? Port(node, source) : NonEmpty(node, source, field);
                builder.SetHostField(host, field, fieldValue, node.At(source));
            }
        }

        foreach (YamlMappingNode? layer in new[] { defaults, body })
        {
            if (layer is not null && Child(layer, "tags")?.Mapping(source, "tags") is { } tags)
            {
                foreach ((YamlNode k, YamlNode v) in tags.Children)
                {
                    string tagValue = v.IsNull() ? string.Empty : v.Text(source, "a tag value");
                    builder.SetHostTag(host, k.Text(source, "a tag name"), tagValue, k.At(source));
                }
            }
        }

        if (defaults is not null && Child(defaults, "vars")?.Mapping(source, "vars of defaults") is { } defaultVars)
        {
            foreach ((YamlNode k, YamlNode v) in defaultVars.Children)
            {
                builder.SetDefaultVar(host, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
            }
        }

        if (body is null)
        {
            return;
        }

        if (Child(body, "vars")?.Mapping(source, $"vars of target '{name}'") is { } vars)
        {
            foreach ((YamlNode k, YamlNode v) in vars.Children)
            {
                builder.SetHostVar(host, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
            }
        }

        memberships.AddRange(Names(Child(body, "groups"), source, $"groups of target '{name}'").Select(g => (name, g)));
    }

    /// <summary>An agent instance (SPEC I1): a target whose fields say where its repository, worktree, branch and tmux session are.</summary>
    private static void ParseInstance(string title, YamlNode key, YamlNode value, InventorySource source, InventoryBuilder builder, List<(string, YamlNode)> memberships)
    {
        YamlMappingNode body = value.Mapping(source, $"instance '{title}'")
            ?? throw new InventoryException(key.At(source), $"instance '{title}' needs at least 'repository' and 'program'");
        YamlNodes.CheckFields(body, source, $"instance '{title}'", InstanceFields);
        foreach (string required in new[] { "repository", "program" })
        {
            if (Child(body, required) is not { } node || node.IsNull())
            {
                throw new InventoryException(key.At(source), $"instance '{title}' needs '{required}'");
            }
        }

        InventoryBuilder.HostNode host = builder.AddHost(title, key.At(source), group: null);
        string directory = Path.GetDirectoryName(Path.GetFullPath(source.Name)) ?? Directory.GetCurrentDirectory();
        foreach (string field in new[] { "repository", "program", "branch", "worktree", "session", "socket", "base" })
        {
            if (Child(body, field) is { } node && !node.IsNull())
            {
                string text = NonEmpty(node, source, field);
                if (field is "repository" or "worktree" or "socket")
                {
                    // Relative paths are relative to the inventory file, like every other path in it.
                    text = Path.GetFullPath(text, directory);
                }

                builder.SetHostField(host, InventoryBuilder.InstanceFieldPrefix + field, text, node.At(source));
            }
        }

        if (Child(body, "tags")?.Mapping(source, "tags") is { } tags)
        {
            foreach ((YamlNode k, YamlNode v) in tags.Children)
            {
                builder.SetHostTag(host, k.Text(source, "a tag name"), v.IsNull() ? string.Empty : v.Text(source, "a tag value"), k.At(source));
            }
        }

        if (Child(body, "vars")?.Mapping(source, $"vars of instance '{title}'") is { } vars)
        {
            foreach ((YamlNode k, YamlNode v) in vars.Children)
            {
                builder.SetHostVar(host, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
            }
        }

        memberships.AddRange(Names(Child(body, "groups"), source, $"groups of instance '{title}'").Select(g => (title, g)));
    }

    private static void ParseProvider(string name, YamlNode key, YamlNode value, InventorySource source, InventoryBuilder builder)
    {
        YamlMappingNode body = value.Mapping(source, $"provider '{name}'")
            ?? throw new InventoryException(key.At(source), $"provider '{name}' needs at least one of: {string.Join(", ", ProviderFields)}");
        YamlNodes.CheckFields(body, source, $"provider '{name}'", ProviderFields);
        string? Template(string field) => Child(body, field) is { } n && !n.IsNull() ? n.Text(source, field) : null;
        builder.AddProvider(new ProviderDefinition
        {
            Name = name,
            Start = Template("start"),
            Stop = Template("stop"),
            Restart = Template("restart"),
            Status = Template("status"),
        }, key.At(source));
    }

    internal static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? node) ? node : null;

    /// <summary>A list of names; a single scalar counts as a one-element list.</summary>
    private static IEnumerable<YamlNode> Names(YamlNode? node, InventorySource source, string what) => node switch
    {
        null => [],
        YamlScalarNode scalar when scalar.IsNull() => [],
        YamlScalarNode scalar => [scalar],
        _ => node.Sequence(source, what)!.Children,
    };

    private static string Name(YamlNode node, InventorySource source, string what)
    {
        string text = node.Text(source, what);
        return string.IsNullOrWhiteSpace(text) ? throw new InventoryException(node.At(source), $"{what} must not be empty") : text;
    }

    private static string NonEmpty(YamlNode node, InventorySource source, string field)
    {
        string text = node.Text(source, field);
        return text.Length == 0 ? throw new InventoryException(node.At(source), $"'{field}' must not be empty") : text;
    }

    private static int Port(YamlNode node, InventorySource source)
    {
        string text = node.Text(source, "port");
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? port
            : throw new InventoryException(node.At(source), $"'port' must be a number 1-65535, got '{text}'");
    }

    private static bool Bool(YamlNode node, InventorySource source, string field) => node.ToValue(source) switch
    {
        bool b => b,
        _ => throw new InventoryException(node.At(source), $"'{field}' must be true or false"),
    };
}
