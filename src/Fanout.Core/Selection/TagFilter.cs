using Fanout.Inventory;

namespace Fanout.Selection;

/// <summary>One parsed <c>--tag</c> expression.</summary>
internal sealed record TagFilter(string Key, IReadOnlyList<string>? Values, bool Negated)
{
    public static bool TryParse(string text, out TagFilter? filter, out string? error)
    {
        filter = null;
        error = null;
        string key;
        IReadOnlyList<string>? values = null;
        bool negated = false;
        int ne = text.IndexOf("!=", StringComparison.Ordinal);
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (ne >= 0 && ne < eq)
        {
            key = text[..ne];
            values = text[(ne + 2)..].Split(',');
            negated = true;
        }
        else if (eq >= 0)
        {
            key = text[..eq];
            values = text[(eq + 1)..].Split(',');
        }
        else
        {
            key = text;
        }

        key = key.Trim();
        if (key.Length == 0)
        {
            error = $"malformed --tag '{text}': the key is empty (expected KEY, KEY=VALUE, KEY=V1,V2 or KEY!=VALUE)";
            return false;
        }

        if (key.Contains('!', StringComparison.Ordinal) || key.Contains('=', StringComparison.Ordinal))
        {
            error = $"malformed --tag '{text}': key '{key}' contains '!' or '=' (expected KEY, KEY=VALUE, KEY=V1,V2 or KEY!=VALUE)";
            return false;
        }

        filter = new TagFilter(key, values, negated);
        return true;
    }

    public bool Matches(Target target)
    {
        bool has = target.Tags.TryGetValue(Key, out string? value);
        if (Values is null)
        {
            return has;
        }

        bool equal = has && Values.Contains(value!, StringComparer.Ordinal);
        return Negated ? !equal : equal;
    }
}
