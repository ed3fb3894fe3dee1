using YamlDotNet.RepresentationModel;

namespace Fanout.Inventory;

/// <summary>
/// Reads Ansible YAML inventories like Ansible 2.14's <c>yaml</c> plugin: top-level keys are groups;
/// each group has <c>hosts</c> (pattern → vars), <c>children</c> (nested groups) and <c>vars</c>,
/// processed in document order.
/// </summary>
internal static class AnsibleYamlParser
{
    private static readonly string[] GroupFields = ["hosts", "children", "vars"];

    /// <summary>Whether a parsed YAML/JSON root has the shape of an Ansible inventory rather than a native one.</summary>
    public static bool LooksLikeAnsible(YamlNode? root)
    {
        if (root is not YamlMappingNode map || map.Children.Count == 0)
        {
            return false;
        }

        var keys = map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).ToList();
        if (keys.Contains(InventoryBuilder.All))
        {
            return true;
        }

        if (keys.Any(NativeInventoryParser.TopFields.Contains))
        {
            return false;
        }

        return map.Children.Values.All(v => v.IsNull() || (v is YamlMappingNode g && g.Children.Keys.OfType<YamlScalarNode>().All(k => GroupFields.Contains(k.Value))));
    }

    public static void Parse(YamlNode? root, InventorySource source, InventoryBuilder builder)
    {
        if (root is null || root.IsNull())
        {
            throw new InventoryException(source.At(), "parsed empty YAML inventory");
        }

        YamlMappingNode map = root.Mapping(source, "a YAML inventory")!;
        foreach ((YamlNode key, YamlNode value) in map.Children)
        {
            ParseGroup(key, value, source, builder);
        }
    }

    private static string ParseGroup(YamlNode key, YamlNode value, InventorySource source, InventoryBuilder builder)
    {
        string group = key.Text(source, "a group name");
        YamlMappingNode? body = value.Mapping(source, $"group '{group}'");
        builder.AddGroup(group, key.At(source));
        if (body is null)
        {
            return group;
        }

        // Ansible only warns about other keys; a typo such as 'host:' silently drops hosts, so Fanout refuses it.
        YamlNodes.CheckFields(body, source, $"group '{group}'", GroupFields);
        foreach ((YamlNode sectionKey, YamlNode section) in body.Children)
        {
            string name = sectionKey.Text(source, "a section name");
            if (section.IsNull())
            {
                continue;
            }

            YamlMappingNode entries = section is YamlScalarNode scalar
                ? new YamlMappingNode { { scalar, new YamlScalarNode(null) } }
                : section.Mapping(source, $"'{name}' of group '{group}'")!;
            foreach ((YamlNode k, YamlNode v) in entries.Children)
            {
                switch (name)
                {
                    case "vars":
                        builder.SetGroupVar(group, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
                        break;
                    case "children":
                        string child = ParseGroup(k, v, source, builder);
                        builder.AddChild(group, child, k.At(source));
                        break;
                    default:
                        ParseHosts(k, v, group, source, builder);
                        break;
                }
            }
        }

        return group;
    }

    private static void ParseHosts(YamlNode key, YamlNode value, string group, InventorySource source, InventoryBuilder builder)
    {
        if (key.ToValue(source) is not string)
        {
            throw new InventoryException(key.At(source), $"host pattern {key} must be a string; enclose integers/floats in quotation marks");
        }

        List<string> hosts;
        int? port;
        try
        {
            (hosts, port) = AnsibleHostPattern.Expand(key.Text(source, "a host pattern"));
        }
        catch (FormatException ex)
        {
            throw new InventoryException(key.At(source), ex.Message);
        }

        YamlMappingNode? vars = value.Mapping(source, $"vars of host '{key}'");
        foreach (string name in hosts)
        {
            InventoryBuilder.HostNode host = builder.AddHost(name, key.At(source), group);
            host.FromAnsible = true;
            if (port is not null)
            {
                builder.SetHostVar(host, "ansible_port", (long)port.Value, key.At(source));
            }

            foreach ((YamlNode k, YamlNode v) in (vars ?? new YamlMappingNode()).Children)
            {
                builder.SetHostVar(host, k.Text(source, "a variable name"), v.ToValue(source), k.At(source));
            }
        }
    }
}
