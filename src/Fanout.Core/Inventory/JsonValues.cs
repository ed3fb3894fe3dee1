using System.Text.Json;

namespace Fanout.Inventory;

/// <summary>Parses command output (JSON) into variable values: string, long, double, bool, null, list or map.</summary>
internal static class JsonValues
{
    public static object? Parse(string json, string display)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            return ToValue(document.RootElement);
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? -1) + 1;
            int column = (int)(ex.BytePositionInLine ?? -1) + 1;
            throw new InventoryException($"output is not valid JSON: {ex.Message.Split(" Path:")[0]}", display + " (output)", line, column, ex);
        }
    }

    public static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.Ordinal),
            (map, p) => { map[p.Name] = ToValue(p.Value); return map; }),
        JsonValueKind.Array => element.EnumerateArray().Select(ToValue).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out long l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
