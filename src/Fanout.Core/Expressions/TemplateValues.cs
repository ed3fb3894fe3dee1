using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace Fanout.Expressions;

/// <summary>
/// The template value model: <c>string</c>, <c>long</c>, <c>double</c>, <c>bool</c>, <c>null</c>,
/// lists (<c>IReadOnlyList&lt;object?&gt;</c>), maps (<c>IReadOnlyDictionary&lt;string, object?&gt;</c>) and
/// <see cref="RawString"/>; with conversions to and from JSON.
/// </summary>
public static class TemplateValues
{
    /// <summary>
    /// Truthiness used by <c>if</c>, <c>and</c>, <c>or</c>, <c>not</c> and conditions: <c>false</c>, <c>0</c>,
    /// <c>""</c>, <c>"false"</c> (any case), <c>null</c>, an empty list and an empty map are false; everything else is true.
    /// </summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0 && !double.IsNaN(d),
        string s => s.Length > 0 && !s.Equals("false", StringComparison.OrdinalIgnoreCase),
        RawString r => IsTruthy(r.Value),
        IReadOnlyDictionary<string, object?> m => m.Count > 0,
        IReadOnlyList<object?> list => list.Count > 0,
        _ => true,
    };

    /// <summary>
    /// The text a value renders as: strings as they are, numbers invariantly, booleans as <c>true</c>/<c>false</c>,
    /// <c>null</c> as an empty string, lists and maps as JSON.
    /// </summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        RawString r => r.Value,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        _ => ToJson(value),
    };

    /// <summary>Converts any supported .NET value (dictionaries, enumerables, numbers, <see cref="JsonElement"/>) into the value model.</summary>
    /// <exception cref="ArgumentException">The value has a type the model cannot hold.</exception>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        string or bool or long or double or RawString => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        ulong ul => ul <= long.MaxValue ? (object)(long)ul : (double)ul,
        float f => (double)f,
        decimal m => decimal.IsInteger(m) && m >= long.MinValue && m <= long.MaxValue ? (object)(long)m : (double)m,
        TimeSpan t => t.TotalSeconds,
        JsonElement e => FromJson(e),
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Normalize(kv.Value), StringComparer.Ordinal),
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Normalize(kv.Value), StringComparer.Ordinal),
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture)!, k => Normalize(d[k]), StringComparer.Ordinal),
        IEnumerable e => e.Cast<object?>().Select(Normalize).ToList(),
        _ => throw new ArgumentException($"values of type {value.GetType().Name} cannot be used in templates", nameof(value)),
    };

    /// <summary>Converts a JSON element into the value model (integers that fit become <c>long</c>, other numbers <c>double</c>).</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.Ordinal),
            (d, p) =>
            {
                d[p.Name] = FromJson(p.Value);
                return d;
            }),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Serializes a value of the model as compact JSON (map keys in their stored order).</summary>
    public static string ToJson(object? value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteJson(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case RawString r:
                writer.WriteStringValue(r.Value);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(FormatDouble(d));
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    writer.WritePropertyName(k);
                    WriteJson(writer, v);
                }

                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteJson(writer, Normalize(value));
                break;
        }
    }

    /// <summary>A short name of the value's type for error messages.</summary>
    internal static string TypeName(object? value) => value switch
    {
        null => "null",
        string or RawString => "string",
        bool => "boolean",
        long or double => "number",
        IReadOnlyDictionary<string, object?> => "map",
        IReadOnlyList<object?> => "list",
        _ => value.GetType().Name,
    };

    internal static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case long l:
                number = l;
                return true;
            case double d:
                number = d;
                return true;
            case string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && s.Trim().Length > 0:
                number = parsed;
                return true;
            case RawString r:
                return TryNumber(r.Value, out number);
            default:
                number = 0;
                return false;
        }
    }

    /// <summary>Equality: numbers numerically (a numeric string equals its number), lists and maps structurally.</summary>
    internal static bool AreEqual(object? a, object? b)
    {
        if (a is RawString ra)
        {
            a = ra.Value;
        }

        if (b is RawString rb)
        {
            b = rb.Value;
        }

        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if ((a is long or double || b is long or double) && TryNumber(a, out var x) && TryNumber(b, out var y))
        {
            return x.Equals(y);
        }

        return (a, b) switch
        {
            (string s, string t) => string.Equals(s, t, StringComparison.Ordinal),
            (bool p, bool q) => p == q,
            (bool p, string t) => string.Equals(p ? "true" : "false", t, StringComparison.OrdinalIgnoreCase),
            (string s, bool q) => string.Equals(q ? "true" : "false", s, StringComparison.OrdinalIgnoreCase),
            (IReadOnlyDictionary<string, object?> m, IReadOnlyDictionary<string, object?> n) =>
                m.Count == n.Count && m.All(kv => n.TryGetValue(kv.Key, out var v) && AreEqual(kv.Value, v)),
            (IReadOnlyList<object?> l, IReadOnlyList<object?> k) => l.Count == k.Count && l.Zip(k).All(p => AreEqual(p.First, p.Second)),
            _ => false,
        };
    }

    /// <summary>Ordering for <c>&lt; &lt;= &gt; &gt;=</c>: numerically when both sides are numbers (or numeric strings), else ordinal strings.</summary>
    internal static int? Compare(object? a, object? b)
    {
        if (TryNumber(a, out var x) && TryNumber(b, out var y))
        {
            return x.CompareTo(y);
        }

        if (a is string or RawString && b is string or RawString)
        {
            return string.CompareOrdinal(ToText(a), ToText(b));
        }

        return null;
    }

    private static string FormatDouble(double d) =>
        d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
}
