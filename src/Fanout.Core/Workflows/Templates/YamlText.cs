using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Templates;

/// <summary>
/// Text-level YAML editing: templates are rewritten by replacing and inserting text at node positions, so comments,
/// ordering and formatting of the source survive (re-serializing the document would lose them).
/// </summary>
internal static partial class YamlText
{
    /// <summary>A replacement of <c>[Start, End)</c> by <c>Text</c> (an insertion when Start == End).</summary>
    public sealed record Edit(int Start, int End, string Text);

    public static string Apply(string source, IEnumerable<Edit> edits)
    {
        var builder = new StringBuilder(source);
        // Apply from the end so earlier offsets stay valid; insertions at the same offset keep their given order.
        foreach (var edit in edits.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Start).ThenByDescending(x => x.i).Select(x => x.e))
        {
            builder.Remove(edit.Start, edit.End - edit.Start).Insert(edit.Start, edit.Text);
        }

        return builder.ToString();
    }

    public static int Start(YamlNode node) => (int)node.Start.Index;

    /// <summary>The end of a node's own text: for block collections the end of their last item (their End mark is the next token).</summary>
    /// <remarks>YamlDotNet's End mark of a flow collection is its closing bracket, not after it; this returns the offset after it.</remarks>
    public static int End(YamlNode node, string source) => node switch
    {
        YamlSequenceNode { Style: not SequenceStyle.Flow, Children.Count: > 0 } seq => End(seq.Children[^1], source),
        YamlMappingNode { Style: not MappingStyle.Flow, Children.Count: > 0 } map => End(map.Children[^1].Value, source),
        YamlSequenceNode => Closing(source, (int)node.End.Index, ']'),
        YamlMappingNode => Closing(source, (int)node.End.Index, '}'),
        _ => (int)node.End.Index,
    };

    private static int Closing(string source, int end, char bracket)
    {
        if (end > 0 && source[end - 1] == bracket)
        {
            return end;
        }

        var i = source.IndexOf(bracket, end);
        return i < 0 ? end : i + 1;
    }

    public static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    public static YamlScalarNode? Key(YamlMappingNode map, string key) =>
        map.Children.Select(kv => kv.Key).OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == key);

    /// <summary>Formats a template value (string, number, boolean, list, map) as a YAML flow value.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => Scalar(s),
        IReadOnlyDictionary<string, object?> m => "{" + string.Join(", ", m.Select(kv => Scalar(kv.Key) + ": " + Format(kv.Value))) + "}",
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Format)) + "]",
        _ => Scalar(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    /// <summary>A string as a YAML scalar that reads back as exactly that string, in block and flow context.</summary>
    public static string Scalar(string s)
    {
        if (PlainRegex().IsMatch(s) && !LooksTyped(s))
        {
            return s;
        }

        return s.Any(char.IsControl) ? DoubleQuoted(s) : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A string as a quoted YAML scalar (always quoted: used for rewritten text that may contain <c>{{ }}</c>).</summary>
    public static string Quoted(string s) => s.Any(char.IsControl) ? DoubleQuoted(s) : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string DoubleQuoted(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private static bool LooksTyped(string s) =>
        s is "" or "~" || s.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "null" || double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"^[A-Za-z0-9_./@$][A-Za-z0-9_./@$ =+~-]*(?<! )$")]
    private static partial Regex PlainRegex();
}
