using System.Text.Json.Nodes;
using Fanout.Inventory;

namespace Fanout.Cli.Rendering;

/// <summary>The public document of <c>fanout targets --output json</c> (SPEC T6).</summary>
internal sealed record TargetsDocument(IReadOnlyList<TargetListing> Targets)
{
    public static TargetsDocument From(IEnumerable<Target> targets) => new(targets.Select(TargetListing.From).ToList());
}

/// <summary>One target as listed by <c>fanout targets</c>.</summary>
internal sealed record TargetListing(
    string Name,
    string Host,
    int? Port,
    string? User,
    string Transport,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, string> Tags,
    JsonObject Vars)
{
    public static TargetListing From(Target t) => new(
        t.Name,
        t.Address,
        t.Port,
        t.User,
        t.Transport,
        t.Groups,
        new SortedDictionary<string, string>(t.Tags.ToDictionary(), StringComparer.Ordinal),
        ToJson(t.Vars));

    private static JsonObject ToJson(IReadOnlyDictionary<string, object?> vars)
    {
        var obj = new JsonObject();
        foreach ((string key, object? value) in vars)
        {
            obj[key] = ToNode(value);
        }

        return obj;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        System.Collections.IDictionary map => ToJsonMap(map),
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object?>().Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };

    private static JsonObject ToJsonMap(System.Collections.IDictionary map)
    {
        var obj = new JsonObject();
        foreach (System.Collections.DictionaryEntry entry in map)
        {
            obj[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty] = ToNode(entry.Value);
        }

        return obj;
    }
}
