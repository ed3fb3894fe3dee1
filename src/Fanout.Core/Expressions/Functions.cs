using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fanout.Expressions;

/// <summary>The built-in template functions. <c>and</c>, <c>or</c> and <c>default</c> are special forms in the evaluator.</summary>
internal static class Functions
{
    private delegate object? Impl(object?[] args, TemplateContext context);

    private static readonly Dictionary<string, (int Min, int Max, Impl Impl)> Table = new(StringComparer.Ordinal)
    {
        ["join"] = (2, 2, Join),
        ["eq"] = (2, int.MaxValue, (a, _) => a.Skip(1).Any(b => TemplateValues.AreEqual(a[0], b))),
        ["ne"] = (2, 2, (a, _) => !TemplateValues.AreEqual(a[0], a[1])),
        ["lt"] = (2, 2, (a, _) => Compare("lt", a) < 0),
        ["le"] = (2, 2, (a, _) => Compare("le", a) <= 0),
        ["gt"] = (2, 2, (a, _) => Compare("gt", a) > 0),
        ["ge"] = (2, 2, (a, _) => Compare("ge", a) >= 0),
        ["not"] = (1, 1, (a, _) => !TemplateValues.IsTruthy(a[0])),
        ["len"] = (1, 1, (a, _) => Length(a[0])),
        ["upper"] = (1, 1, (a, _) => TemplateValues.ToText(a[0]).ToUpperInvariant()),
        ["lower"] = (1, 1, (a, _) => TemplateValues.ToText(a[0]).ToLowerInvariant()),
        ["quote"] = (1, 1, (a, _) => new RawString("'" + TemplateValues.ToText(a[0]).Replace("'", "'\\''", StringComparison.Ordinal) + "'")),
        ["raw"] = (1, 1, (a, _) => new RawString(a[0] is IReadOnlyList<object?> l ? string.Join(' ', l.Select(TemplateValues.ToText)) : TemplateValues.ToText(a[0]))),
        ["toJSON"] = (1, 1, (a, _) => TemplateValues.ToJson(a[0])),
        ["fromJSON"] = (1, 1, (a, _) => FromJson(a[0])),
        ["contains"] = (2, 2, (a, _) => Contains(a[0], a[1])),
        ["startsWith"] = (2, 2, (a, _) => Text(a[0]).StartsWith(Text(a[1]), StringComparison.Ordinal)),
        ["endsWith"] = (2, 2, (a, _) => Text(a[0]).EndsWith(Text(a[1]), StringComparison.Ordinal)),
        ["env"] = (1, 1, (a, c) => c.Environment(Text(a[0])) is { } v ? v : new Undefined($"env \"{Text(a[0])}\"")),
        ["index"] = (2, int.MaxValue, Index),
        ["trim"] = (1, 1, (a, _) => Text(a[0]).Trim()),
        ["split"] = (2, 2, (a, _) => Text(a[0]).Split(Text(a[1])).Select(s => (object?)s).ToList()),
        ["replace"] = (3, 3, (a, _) => Text(a[0]).Replace(Text(a[1]), Text(a[2]), StringComparison.Ordinal)),
    };

    private static readonly HashSet<string> SpecialForms = ["and", "or", "default"];

    public static IEnumerable<string> Names => Table.Keys.Concat(SpecialForms);

    public static bool IsKnown(string name) => Table.ContainsKey(name) || SpecialForms.Contains(name);

    public static object? Invoke(string name, object?[] args, TemplateContext context)
    {
        var (min, max, impl) = Table[name];
        if (args.Length < min || args.Length > max)
        {
            var expected = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";
            throw new TemplateSyntaxException($"{name} takes {expected} argument{(min == 1 && max == 1 ? string.Empty : "s")}, got {args.Length}", 0, 0);
        }

        return impl(args, context);
    }

    private static string Text(object? value) => value switch
    {
        string or RawString or long or double or bool => TemplateValues.ToText(value),
        _ => throw new TemplateSyntaxException($"expected a string, got a {TemplateValues.TypeName(value)}", 0, 0),
    };

    private static object Join(object?[] a, TemplateContext _)
    {
        // Accepts Go-call order (join .list ",") and pipeline order (.list | join ","): the list is whichever side is a list.
        var (list, sep) = a[0] is IReadOnlyList<object?> l0 ? (l0, a[1]) : a[1] is IReadOnlyList<object?> l1 ? (l1, a[0]) : (null, null);
        if (list is null)
        {
            throw new TemplateSyntaxException($"join needs a list and a separator, got a {TemplateValues.TypeName(a[0])} and a {TemplateValues.TypeName(a[1])}", 0, 0);
        }

        return string.Join(Text(sep), list.Select(TemplateValues.ToText));
    }

    private static int Compare(string name, object?[] a) =>
        TemplateValues.Compare(a[0], a[1])
        ?? throw new TemplateSyntaxException($"{name} cannot compare a {TemplateValues.TypeName(a[0])} with a {TemplateValues.TypeName(a[1])}", 0, 0);

    private static long Length(object? value) => value switch
    {
        null => 0,
        string s => new StringInfo(s).LengthInTextElements,
        RawString r => r.Value.Length,
        IReadOnlyDictionary<string, object?> m => m.Count,
        IReadOnlyList<object?> l => l.Count,
        _ => throw new TemplateSyntaxException($"len needs a string, list or map, got a {TemplateValues.TypeName(value)}", 0, 0),
    };

    internal static bool Contains(object? haystack, object? needle) => haystack switch
    {
        IReadOnlyList<object?> list => list.Any(item => TemplateValues.AreEqual(item, needle)),
        IReadOnlyDictionary<string, object?> map => map.ContainsKey(TemplateValues.ToText(needle)),
        string or RawString => TemplateValues.ToText(haystack).Contains(Text(needle), StringComparison.Ordinal),
        null => false,
        _ => throw new TemplateSyntaxException($"cannot look inside a {TemplateValues.TypeName(haystack)}", 0, 0),
    };

    private static object? FromJson(object? value)
    {
        var text = Text(value);
        try
        {
            using var doc = JsonDocument.Parse(text);
            return TemplateValues.FromJson(doc.RootElement);
        }
        catch (JsonException ex)
        {
            var shown = text.Length > 40 ? text[..40] + "…" : text;
            throw new TemplateSyntaxException($"fromJSON: invalid JSON ({ex.Message.Split('.')[0]}): {shown}", 0, 0);
        }
    }

    private static object? Index(object?[] a, TemplateContext _)
    {
        var current = a[0];
        var name = new StringBuilder("index");
        for (var k = 1; k < a.Length; k++)
        {
            var key = a[k];
            name.Append(' ').Append(TemplateValues.ToJson(key));
            switch (current)
            {
                case IReadOnlyDictionary<string, object?> map:
                    if (!map.TryGetValue(TemplateValues.ToText(key), out current))
                    {
                        return new Undefined(name.ToString());
                    }

                    break;
                case IReadOnlyList<object?> list:
                    if (!TemplateValues.TryNumber(key, out var n) || n != Math.Floor(n))
                    {
                        throw new TemplateSyntaxException($"a list index must be a whole number, got {TemplateValues.ToJson(key)}", 0, 0);
                    }

                    if (n < 0 || n >= list.Count)
                    {
                        throw new TemplateSyntaxException($"index {n.ToString(CultureInfo.InvariantCulture)} out of range (list has {list.Count} items)", 0, 0);
                    }

                    current = list[(int)n];
                    break;
                default:
                    throw new TemplateSyntaxException($"cannot index a {TemplateValues.TypeName(current)}", 0, 0);
            }
        }

        return current;
    }
}
