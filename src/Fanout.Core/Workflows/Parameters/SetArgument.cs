namespace Fanout.Workflows.Parameters;

/// <summary>
/// Parses one <c>--set</c> argument: <c>KEY=VALUE[,KEY=VALUE…]</c>. A comma-separated piece without <c>=</c>
/// continues the previous value as a list (<c>services=api,worker</c> → <c>[api, worker]</c>); <c>\,</c> is a literal comma.
/// A value written as JSON (<c>items=["a","b"]</c>, <c>opts={"a":1,"b":2}</c>) is taken whole, commas included: a JSON
/// array becomes a list, a JSON object a map. A value that is text starting with <c>[</c> or <c>{</c> is written
/// <c>\[…</c> / <c>\{…</c> (the backslash is dropped). The run, plan, create and schedule commands and the API all
/// bind <c>--set</c> through this one parser.
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
        foreach (var (piece, json) in SplitUnescaped(argument))
        {
            var eq = piece.IndexOf('=', StringComparison.Ordinal);
            if (json is not null)
            {
                Flush();
                key = piece[..eq];
                result.Add(KeyValuePair.Create<string, object?>(key, json));
                key = null;
            }
            else if (eq > 0 && IsKey(piece[..eq]))
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

    /// <summary>
    /// Writes parameter values given as JSON (the API's <c>parameters</c> object, an older schedule's stored values) as the
    /// <c>--set</c> arguments that bind to them, so every surface binds through <see cref="Parse"/>: a string as text
    /// (commas escaped, a leading <c>[</c> or <c>{</c> escaped, so a string never turns into a list or a map), a number or
    /// boolean as its JSON text, an array or an object as its JSON (a list or a map, exactly as given).
    /// </summary>
    /// <param name="values">The values by parameter name.</param>
    /// <param name="invalid">The names whose value is JSON <c>null</c>; they are left out.</param>
    public static IReadOnlyList<string> FromJson(IReadOnlyDictionary<string, System.Text.Json.JsonElement>? values, out IReadOnlyList<string> invalid)
    {
        var set = new List<string>();
        var wrong = new List<string>();
        foreach (var (key, value) in values ?? new Dictionary<string, System.Text.Json.JsonElement>())
        {
            var text = value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String => Escape(value.GetString()!),
                System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False
                    or System.Text.Json.JsonValueKind.Array or System.Text.Json.JsonValueKind.Object => value.GetRawText(),
                _ => null,
            };
            if (text is null)
            {
                wrong.Add(key);
            }
            else
            {
                set.Add($"{key}={text}");
            }
        }

        invalid = wrong;
        return set;

        static string Escape(string s) => (s.StartsWith('[') || s.StartsWith('{') ? "\\" : "") + s.Replace(",", "\\,", StringComparison.Ordinal);
    }

    private static bool IsKey(string key) =>
        key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    // Splits at unescaped commas. A piece KEY=[…] or KEY={…} whose bracketed part is valid JSON ending at a comma or at the
    // end is one piece, returned with its parsed value (a list or a map); anything else is plain text.
    private static List<(string Piece, object? Json)> SplitUnescaped(string text)
    {
        var pieces = new List<(string, object?)>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '[' or '{' && AtValueStart(current))
            {
                var end = JsonEnd(text, i);
                if (end > 0 && (end == text.Length || text[end] == ',') && ParseJson(text[i..end]) is { } value)
                {
                    current.Append(text, i, end - i);
                    pieces.Add((current.ToString(), value));
                    current.Clear();
                    i = end; // at the separating comma (or past the end)
                    continue;
                }
            }

            if (text[i] == '\\' && i + 1 < text.Length && (text[i + 1] == ',' || (text[i + 1] is '[' or '{' && AtValueStart(current))))
            {
                current.Append(text[i + 1]);
                i++;
            }
            else if (text[i] == ',')
            {
                pieces.Add((current.ToString(), null));
                current.Clear();
            }
            else
            {
                current.Append(text[i]);
            }
        }

        if (current.Length > 0 || pieces.Count == 0 || pieces[^1].Item2 is null)
        {
            pieces.Add((current.ToString(), null));
        }

        return pieces;
    }

    // Whether the next character starts a value: the piece so far is KEY=.
    private static bool AtValueStart(System.Text.StringBuilder current) =>
        current.Length > 0 && current[^1] == '=' && IsKey(current.ToString(0, current.Length - 1));

    // The index just past the bracket that closes the one at start (JSON strings respected), or -1.
    private static int JsonEnd(string text, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '[' or '{')
            {
                depth++;
            }
            else if (c is ']' or '}' && --depth == 0)
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static object? ParseJson(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return Fanout.Expressions.TemplateValues.FromJson(doc.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not JSON: plain text, split at commas as usual
        }
    }
}
