using System.Globalization;
using Fanout.Diagnostics;
using Fanout.Expressions;
using Fanout.Workflows.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows.Parsing;

/// <summary>Typed reads from the YAML representation model that record every problem as a positioned diagnostic.</summary>
internal sealed class YamlReader(string? file, string text)
{
    private readonly string[] _lines = text.Split('\n');

    public string? File { get; } = file;

    public List<Diagnostic> Diagnostics { get; } = [];

    public SourcePosition Position(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    public SourcePosition Position(Mark mark) => new(File, (int)mark.Line, (int)mark.Column);

    public void Error(YamlNode node, string message) => Diagnostics.Add(Diagnostic.Error(Position(node), message));

    public void Warning(YamlNode node, string message) => Diagnostics.Add(Diagnostic.Warning(Position(node), message));

    /// <summary>Reads a mapping, reporting non-mappings and unknown keys (with a "did you mean").</summary>
    public MappingFields? Mapping(YamlNode? node, string what, IReadOnlyCollection<string> known)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode map)
        {
            Error(node, $"{what} must be a mapping");
            return null;
        }

        var fields = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode scalarKey || scalarKey.Value is null)
            {
                Error(key, $"keys in {what} must be names");
                continue;
            }

            var name = scalarKey.Value;
            if (!known.Contains(name))
            {
                Error(scalarKey, $"unknown field '{name}' in {what}{EditDistance.Hint(name, known)}");
                continue;
            }

            fields[name] = (scalarKey, value);
        }

        return new MappingFields(map, fields);
    }

    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public string? String(YamlNode? node, string field)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(node!, $"'{field}' must be a string, not a {Kind(node!)}");
        return null;
    }

    public TemplateText? Text(YamlNode? node, string field)
    {
        var value = String(node, field);
        return value is null ? null : new TemplateText(value, Origin((YamlScalarNode)node!));
    }

    public bool? Bool(YamlNode? node, string field)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } v })
        {
            switch (v.ToLowerInvariant())
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
            }
        }

        Error(node!, $"'{field}' must be true or false, not {Describe(node!)}");
        return null;
    }

    public int? Int(YamlNode? node, string field, int min = int.MinValue)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
        {
            if (i < min)
            {
                Error(node, $"'{field}' must be at least {min}, not {i}");
                return null;
            }

            return i;
        }

        Error(node!, $"'{field}' must be a whole number, not {Describe(node!)}");
        return null;
    }

    public double? Number(YamlNode? node, string field, double min = double.MinValue, double max = double.MaxValue)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } v } && double.TryParse(v.TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            if (d < min || d > max)
            {
                Error(node, $"'{field}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {v}");
                return null;
            }

            return d;
        }

        Error(node!, $"'{field}' must be a number, not {Describe(node!)}");
        return null;
    }

    public TimeSpan? Duration(YamlNode? node, string field)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }

        if (Fanout.Duration.TryParse(text, out var value))
        {
            return value;
        }

        Error(node!, $"'{field}': invalid duration '{text}' (use seconds like 300, or 500ms, 30s, 5m, 2h, 7d, 1h30m)");
        return null;
    }

    public IReadOnlyList<YamlNode> Sequence(YamlNode? node, string field)
    {
        if (IsNull(node))
        {
            return [];
        }

        if (node is YamlSequenceNode seq)
        {
            return seq.Children.ToList();
        }

        Error(node!, $"'{field}' must be a list, not a {Kind(node!)}");
        return [];
    }

    /// <summary>A string or a list of strings.</summary>
    public IReadOnlyList<NamedReference> Names(YamlNode? node, string field)
    {
        if (node is YamlScalarNode scalar && !IsNull(node))
        {
            return [new NamedReference(scalar.Value!, Position(scalar))];
        }

        return Sequence(node, field)
            .Select(item => String(item, field) is { } s ? new NamedReference(s, Position(item)) : null)
            .OfType<NamedReference>()
            .ToList();
    }

    /// <summary>Converts any node to the template value model (YAML core schema for plain scalars).</summary>
    public object? Value(YamlNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                if (IsNull(scalar))
                {
                    return null;
                }

                var v = scalar.Value!;
                if (scalar.Style is ScalarStyle.Plain or ScalarStyle.Any)
                {
                    if (v is "true" or "True" or "TRUE")
                    {
                        return true;
                    }

                    if (v is "false" or "False" or "FALSE")
                    {
                        return false;
                    }

                    if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    {
                        return l;
                    }

                    if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    {
                        return d;
                    }
                }

                return v;
            case YamlSequenceNode seq:
                return seq.Children.Select(Value).ToList();
            case YamlMappingNode map:
                var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, val) in map.Children)
                {
                    dict[(k as YamlScalarNode)?.Value ?? string.Empty] = Value(val);
                }

                return dict;
            default:
                return null;
        }
    }

    public TemplateOrigin Origin(YamlScalarNode scalar)
    {
        var start = Position(scalar);
        switch (scalar.Style)
        {
            case ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted:
                return new TemplateOrigin(start with { Column = start.Column + 1 });
            case ScalarStyle.Literal or ScalarStyle.Folded:
                var firstContent = start.Line; // 0-based index of the line after the indicator
                var indent = 0;
                for (var i = firstContent; i < _lines.Length; i++)
                {
                    if (_lines[i].Trim().Length > 0)
                    {
                        indent = _lines[i].Length - _lines[i].TrimStart(' ').Length;
                        break;
                    }
                }

                return new TemplateOrigin(start with { Line = start.Line + 1, Column = indent + 1 }, indent);
            default:
                return new TemplateOrigin(start);
        }
    }

    public static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "scalar",
    };

    private static string Describe(YamlNode node) => node is YamlScalarNode s ? $"'{s.Value}'" : $"a {Kind(node)}";
}
