namespace Fanout.Workflows.Parameters;

/// <summary>
/// Parses one <c>--set</c> argument: <c>KEY=VALUE[,KEY=VALUE…]</c>. A comma-separated piece without <c>=</c>
/// continues the previous value as a list (<c>services=api,worker</c> → <c>[api, worker]</c>); <c>\,</c> is a literal comma.
/// </summary>
public static class SetArgument
{
    /// <summary>Parses <paramref name="argument"/> into key/value pairs (a value is a string or a list of strings).</summary>
    /// <param name="argument">The argument text.</param>
    /// <param name="error">Why it could not be parsed, or null.</param>
    public static IReadOnlyList<KeyValuePair<string, object?>> Parse(string argument, out string? error)
    {
        ArgumentNullException.ThrowIfNull(argument);
        error = null;
        var result = new List<KeyValuePair<string, object?>>();
        string? key = null;
        var items = new List<string>();
        foreach (var piece in SplitUnescaped(argument))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && IsKey(piece[..eq]))
            {
                Flush();
                key = piece[..eq];
                items.Add(piece[(eq + 1)..]);
            }
            else if (key is null)
            {
                error = $"--set '{argument}': expected KEY=VALUE";
                return [];
            }
            else
            {
                items.Add(piece);
            }
        }

        Flush();
        return result;

        void Flush()
        {
            if (key is not null)
            {
                result.Add(KeyValuePair.Create<string, object?>(key, items.Count == 1 ? items[0] : items.Cast<object?>().ToList()));
            }

            items = [];
        }
    }

    private static bool IsKey(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static List<string> SplitUnescaped(string text)
    {
        var pieces = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == ',')
            {
                current.Append(',');
                i++;
            }
            else if (text[i] == ',')
            {
                pieces.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(text[i]);
            }
        }

        pieces.Add(current.ToString());
        return pieces;
    }
}
