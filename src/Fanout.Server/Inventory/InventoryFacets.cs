using Fanout.Inventory;

namespace Fanout.Server.Inventory;

/// <summary>
/// <c>GET /api/inventory/facets</c>: how many nodes have each tag (<c>KEY=VALUE</c>), group, transport and source — the inventory
/// page's and the new-execution dialog's facets, read from the same inventory as the nodes list.
/// </summary>
internal sealed record InventoryFacets(int Total, IReadOnlyDictionary<string, int> Tags, IReadOnlyDictionary<string, int> Groups, IReadOnlyDictionary<string, int> Transports,
    IReadOnlyDictionary<string, int> Sources)
{
    /// <param name="inventory">The inventory.</param>
    /// <param name="sources">The configured sources: each is listed, with 0 when it defines no node.</param>
    public static InventoryFacets Of(Fanout.Inventory.Inventory inventory, IReadOnlyList<string>? sources = null)
    {
        var tags = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var groups = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var transports = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var bySource = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string s in sources ?? [])
        {
            bySource[s] = 0;
        }

        foreach (Target t in inventory.Targets)
        {
            foreach (KeyValuePair<string, string> tag in t.Tags)
            {
                Add(tags, tag.Key + "=" + tag.Value);
            }

            foreach (string g in t.Groups)
            {
                Add(groups, g);
            }

            Add(transports, t.Transport);
            if (t.Source is { } source)
            {
                Add(bySource, source);
            }
        }

        return new InventoryFacets(inventory.Targets.Count, tags, groups, transports, bySource);

        static void Add(SortedDictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
    }

    /// <summary>The nodes list's filters: name or host contains <paramref name="search"/>; tag <c>KEY</c> or <c>KEY=VALUE</c>; group; transport; source.</summary>
    public static IEnumerable<Target> Filter(IEnumerable<Target> nodes, string? search, string? tag, string? group, string? transport, string? source = null)
    {
        if (!string.IsNullOrEmpty(search))
        {
            nodes = nodes.Where(t => t.Name.Contains(search, StringComparison.OrdinalIgnoreCase) || (t.Host?.Contains(search, StringComparison.OrdinalIgnoreCase) ?? false));
        }

        if (!string.IsNullOrEmpty(tag))
        {
            string[] kv = tag.Split('=', 2);
            nodes = nodes.Where(t => t.Tags.TryGetValue(kv[0], out string? v) && (kv.Length == 1 || v == kv[1]));
        }

        if (!string.IsNullOrEmpty(group))
        {
            nodes = nodes.Where(t => t.Groups.Contains(group));
        }

        if (!string.IsNullOrEmpty(transport))
        {
            nodes = nodes.Where(t => string.Equals(t.Transport, transport, StringComparison.Ordinal));
        }

        if (!string.IsNullOrEmpty(source))
        {
            nodes = nodes.Where(t => string.Equals(t.Source, source, StringComparison.Ordinal));
        }

        return nodes;
    }
}
