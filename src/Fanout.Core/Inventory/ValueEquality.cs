using System.Collections;
using System.Globalization;

namespace Fanout.Inventory;

/// <summary>Deep equality and display of variable values (scalars, lists, string-keyed maps).</summary>
internal static class ValueEquality
{
    public static new bool Equals(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a is IReadOnlyDictionary<string, object?> da && b is IReadOnlyDictionary<string, object?> db)
        {
            return da.Count == db.Count && da.All(kv => db.TryGetValue(kv.Key, out object? other) && Equals(kv.Value, other));
        }

        if (a is IList la && b is IList lb)
        {
            if (la.Count != lb.Count)
            {
                return false;
            }

            for (int i = 0; i < la.Count; i++)
            {
                if (!Equals(la[i], lb[i]))
                {
                    return false;
                }
            }

            return true;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture);
        }

        return a.Equals(b);
    }

    public static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        bool b => b ? "true" : "false",
        IReadOnlyDictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => $"{kv.Key}: {Show(kv.Value)}")) + "}",
        IList l => "[" + string.Join(", ", l.Cast<object?>().Select(Show)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>The value as a plain string (for tags, hosts and users), or <see langword="null"/>.</summary>
    public static string? AsString(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Show(value),
    };

    private static bool IsNumber(object value) => value is long or int or double;
}
