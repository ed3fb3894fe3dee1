using System.Globalization;
using System.Text.RegularExpressions;
using Fanout.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fanout.Inventory;

/// <summary>Reads YamlDotNet's representation model with positions for error messages.</summary>
internal static partial class YamlNodes
{
    /// <summary>Parses the first document, or returns <see langword="null"/> for an empty file.</summary>
    public static YamlNode? Load(string text, string file)
    {
        if (YamlText.TryLoad(text, out YamlSyntaxError? error) is not { } stream)
        {
            throw new InventoryException(error!.Message, file, error.Line, error.Column, error.Cause);
        }

        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    public static SourceLocation At(this YamlNode node, InventorySource source) =>
        source.At((int)node.Start.Line, (int)node.Start.Column);

    public static bool IsNull(this YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>The text of a scalar key or value; a non-scalar is an error.</summary>
    public static string Text(this YamlNode node, InventorySource source, string what) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? string.Empty,
        _ => throw new InventoryException(node.At(source), $"{what} must be a plain value, not a {Kind(node)}"),
    };

    public static YamlMappingNode? Mapping(this YamlNode node, InventorySource source, string what) => node switch
    {
        YamlMappingNode map => map,
        _ when node.IsNull() => null,
        _ => throw new InventoryException(node.At(source), $"{what} must be a mapping, not a {Kind(node)}"),
    };

    public static YamlSequenceNode? Sequence(this YamlNode node, InventorySource source, string what) => node switch
    {
        YamlSequenceNode seq => seq,
        _ when node.IsNull() => null,
        _ => throw new InventoryException(node.At(source), $"{what} must be a list, not a {Kind(node)}"),
    };

    /// <summary>Converts a node to a variable value: string, long, double, bool, null, list or map.</summary>
    public static object? ToValue(this YamlNode node, InventorySource source)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return ScalarValue(scalar);
            case YamlSequenceNode seq:
                return seq.Children.Select(c => c.ToValue(source)).ToList();
            case YamlMappingNode map:
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach ((YamlNode key, YamlNode value) in map.Children)
                {
                    dict[key.Text(source, "a key")] = value.ToValue(source);
                }

                return dict;
            default:
                return null;
        }
    }

    /// <summary>YAML 1.2 core schema for plain scalars; quoted scalars are strings.</summary>
    private static object? ScalarValue(YamlScalarNode scalar)
    {
        string? text = scalar.Value;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return text ?? string.Empty;
        }

        switch (text)
        {
            case null or "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
        }

        if (IntegerRegex().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
        {
            return integer;
        }

        if (FloatRegex().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return number;
        }

        return text;
    }

    /// <summary>Rejects keys outside <paramref name="allowed"/> with a "did you mean" hint.</summary>
    public static void CheckFields(YamlMappingNode map, InventorySource source, string where, IReadOnlyCollection<string> allowed)
    {
        foreach (YamlNode key in map.Children.Keys)
        {
            string name = key.Text(source, "a field name");
            if (!allowed.Contains(name))
            {
                throw new InventoryException(key.At(source),
                    $"unknown field '{name}' in {where}{Suggestions.DidYouMean(name, allowed)}; allowed: {string.Join(", ", allowed)}");
            }
        }
    }

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();
}
