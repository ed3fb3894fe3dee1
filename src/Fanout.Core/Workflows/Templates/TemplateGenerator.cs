using System.Globalization;
using System.Text;
using Fanout.Diagnostics;
using Fanout.Workflows.Validation;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using static Fanout.Workflows.Templates.YamlText;

namespace Fanout.Workflows.Templates;

/// <summary>
/// Turns a workflow into a reusable template (SPEC W18 <c>fanout template generate</c>): literal environment-specific
/// values in command-like text become parameters whose defaults are the original values, so the template behaves like
/// the workflow until a value is overridden. The heuristic is documented in docs/workflows.md ("Generating a template").
/// </summary>
public static class TemplateGenerator
{
    private static readonly string[] HeaderFields = ["name", "description", "version", "author", "documentation"];

    /// <summary>Fields whose string values are scanned (anywhere in the document, except under <see cref="SkippedKeys"/>).</summary>
    private static readonly string[] ScannedKeys = ["command", "script", "working_dir", "rollback"];

    /// <summary>Keys whose string lists are shorthand command steps.</summary>
    private static readonly string[] StepListKeys = ["steps", "on_success", "on_failure", "on_retry", "fallback_steps", "success", "failure"];

    /// <summary>Subtrees that are not command text: expressions, selectors, settings, names.</summary>
    private static readonly string[] SkippedKeys =
        ["parameters", "conditions", "validation", "monitoring", "metrics", "notifications", "circuit_breakers", "resource_limits", "error_handling",
         "targets", "when", "condition", "retry", "resources", "resource_requirements", "depends_on", "name", "description", "capture_output"];

    /// <summary>Generates a template named <paramref name="name"/> from workflow text.</summary>
    /// <param name="workflowText">The source workflow's YAML.</param>
    /// <param name="name">The template name (written to <c>name:</c>).</param>
    /// <param name="file">The source file name, for diagnostics and the header comment.</param>
    /// <returns>The template text and the parameters made; never throws for a bad workflow (its errors are returned).</returns>
    public static GeneratedTemplate Generate(string workflowText, string name, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(workflowText);
        ArgumentNullException.ThrowIfNull(name);
        var parsed = WorkflowParser.Parse(workflowText, file);
        if (parsed.HasErrors)
        {
            return new GeneratedTemplate(null, [], parsed.Diagnostics.Where(d => d.IsError).ToList());
        }

        var workflow = parsed.Workflow!;
        var stream = new YamlStream();
        stream.Load(new StringReader(workflowText));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;

        var scalars = new List<YamlScalarNode>();
        Walk(root, null, scalars);
        var found = scalars.Select(s => (Node: s, Matches: LiteralFinder.Find(s.Value ?? string.Empty))).ToList();

        // Environment names are replaced only when the workflow mentions exactly one (one that moves between
        // environments, staging → production, would be broken by it) and does not declare 'environment' itself.
        var environments = found.SelectMany(f => f.Matches).Where(m => m.Kind == "environment").Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList();
        var useEnvironment = environments.Count == 1 && workflow.Parameters.All(p => p.Name != "environment");

        var taken = new HashSet<string>(StringComparer.Ordinal);
        taken.UnionWith(workflow.Parameters.Select(p => p.Name));
        taken.UnionWith(workflow.Variables.Select(v => v.Name));
        taken.UnionWith(workflow.Conditions.Select(c => c.Name));
        taken.UnionWith(WorkflowValidator.BuiltInNames.Where(n => n != "environment"));
        var byValue = new Dictionary<string, (string Name, string Kind, int Count, int Order)>(StringComparer.Ordinal);
        foreach (var m in found.SelectMany(f => f.Matches).Where(m => m.Kind != "environment" || useEnvironment))
        {
            if (byValue.TryGetValue(m.Value, out var p))
            {
                byValue[m.Value] = p with { Count = p.Count + 1 };
                continue;
            }

            var candidate = m.NameHint;
            for (var i = 2; taken.Contains(candidate); i++)
            {
                candidate = $"{m.NameHint}_{i}";
            }

            taken.Add(candidate);
            byValue[m.Value] = (candidate, m.Kind, 1, byValue.Count);
        }

        var edits = new List<Edit>();
        foreach (var (node, matches) in found)
        {
            var relevant = matches.Where(m => byValue.ContainsKey(m.Value)).ToList();
            if (relevant.Count == 0)
            {
                continue;
            }

            if (node.Style is ScalarStyle.Literal or ScalarStyle.Folded)
            {
                EditBlockScalar(workflowText, node, byValue.ToDictionary(kv => kv.Key, kv => kv.Value.Name, StringComparer.Ordinal), edits);
            }
            else
            {
                edits.Add(new Edit(Start(node), End(node, workflowText), Quoted(Substitute(node.Value!, relevant, byValue))));
            }
        }

        var parameters = byValue.OrderBy(kv => kv.Value.Order)
            .Select(kv => new GeneratedParameter(kv.Value.Name, kv.Value.Kind, IsNumber(kv.Value.Kind) ? long.Parse(kv.Key, CultureInfo.InvariantCulture) : kv.Key, kv.Value.Count))
            .ToList();
        AddParameters(workflowText, root, parameters, edits);
        if (Get(root, "name") is { } nameNode)
        {
            edits.Add(new Edit(Start(nameNode), End(nameNode, workflowText), Scalar(name)));
        }
        else
        {
            edits.Add(new Edit(Start(root), Start(root), $"name: {Scalar(name)}\n"));
        }

        var header = new StringBuilder();
        header.Append(CultureInfo.InvariantCulture, $"# Template generated by 'fanout template generate' from {(file is null ? "a workflow" : Path.GetFileName(file))}.\n");
        if (parameters.Count > 0)
        {
            header.Append("# Parameters made from literal values: ").AppendJoin(", ", parameters.Select(p => $"{p.Name} ({p.Kind})")).Append(".\n");
        }

        var text = header + Apply(workflowText, edits);
        var result = WorkflowValidator.ValidateText(text, name + ".yaml");
        return new GeneratedTemplate(result.HasErrors ? null : text, parameters, result.Diagnostics);
    }

    private static bool IsNumber(string kind) => kind is "port" or "number";

    private static void Walk(YamlNode node, string? key, List<YamlScalarNode> into)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    var name = (k as YamlScalarNode)?.Value;
                    if (name is null || SkippedKeys.Contains(name))
                    {
                        continue;
                    }

                    if (v is YamlScalarNode s && (ScannedKeys.Contains(name) || key is "env" || (key is "variables" && IsText(s))))
                    {
                        into.Add(s);
                    }
                    else
                    {
                        Walk(v, name, into);
                    }
                }

                break;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    if (item is YamlScalarNode s && key is not null && (StepListKeys.Contains(key) || key == "rollback"))
                    {
                        into.Add(s);
                    }
                    else
                    {
                        Walk(item, key, into);
                    }
                }

                break;
        }
    }

    /// <summary>A variable's value is text unless it is a plain number or boolean (those stay literal).</summary>
    private static bool IsText(YamlScalarNode s) =>
        s.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || !(long.TryParse(s.Value, out _) || s.Value is "true" or "false");

    private static string Substitute(string value, IReadOnlyList<LiteralFinder.Match> matches, Dictionary<string, (string Name, string Kind, int Count, int Order)> byValue)
    {
        var builder = new StringBuilder(value);
        foreach (var m in matches.OrderByDescending(m => m.Start))
        {
            builder.Remove(m.Start, m.Length).Insert(m.Start, "{{ ." + byValue[m.Value].Name + " }}");
        }

        return builder.ToString();
    }

    /// <summary>Block scalars are edited in place, line by line (their text has no escapes), keeping their layout.</summary>
    private static void EditBlockScalar(string source, YamlScalarNode node, Dictionary<string, string> names, List<Edit> edits)
    {
        var start = Start(node);
        var end = End(node, source);
        var firstLineEnd = source.IndexOf('\n', start);
        if (firstLineEnd < 0 || firstLineEnd >= end)
        {
            return;
        }

        var offset = firstLineEnd + 1;
        while (offset < end)
        {
            var lineEnd = source.IndexOf('\n', offset);
            lineEnd = lineEnd < 0 || lineEnd > end ? end : lineEnd;
            var line = source[offset..lineEnd];
            foreach (var m in LiteralFinder.Find(line).Where(m => names.ContainsKey(m.Value)))
            {
                edits.Add(new Edit(offset + m.Start, offset + m.Start + m.Length, "{{ ." + names[m.Value] + " }}"));
            }

            offset = lineEnd + 1;
        }
    }

    private static void AddParameters(string source, YamlMappingNode root, IReadOnlyList<GeneratedParameter> parameters, List<Edit> edits)
    {
        if (parameters.Count == 0)
        {
            return;
        }

        var existing = Get(root, "parameters");
        if (existing is YamlSequenceNode { Style: SequenceStyle.Flow } flow)
        {
            var items = string.Join(", ", parameters.Select(p => "{" + string.Join(", ", Fields(p).Select(f => $"{f.Key}: {f.Value}")) + "}"));
            var at = End(flow, source) - 1;
            edits.Add(new Edit(at, at, (flow.Children.Count > 0 ? ", " : string.Empty) + items));
        }
        else if (existing is YamlSequenceNode { Children.Count: > 0 } block)
        {
            var dash = source.LastIndexOf('-', Start(block.Children[0]));
            var lineStart = source.LastIndexOf('\n', dash) + 1;
            var indent = dash - lineStart;
            edits.Add(new Edit(End(block, source), End(block, source), "\n" + Block(parameters, indent).TrimEnd('\n')));
        }
        else
        {
            var before = root.Children.Select(kv => kv.Key).OfType<YamlScalarNode>().FirstOrDefault(k => !HeaderFields.Contains(k.Value));
            var at = before is null ? source.Length : Start(before);
            var prefix = before is null && !source.EndsWith('\n') ? "\n" : string.Empty;
            if (existing is not null)
            {
                // 'parameters:' with an empty value: fill it in place.
                edits.Add(new Edit(Start(existing), End(existing, source), "\n" + Block(parameters, 2).TrimEnd('\n')));
            }
            else
            {
                edits.Add(new Edit(at, at, prefix + "parameters:\n" + Block(parameters, 2) + "\n"));
            }
        }
    }

    private static string Block(IReadOnlyList<GeneratedParameter> parameters, int indent)
    {
        var pad = new string(' ', indent);
        var builder = new StringBuilder();
        foreach (var p in parameters)
        {
            var first = true;
            foreach (var (key, value) in Fields(p))
            {
                builder.Append(pad).Append(first ? "- " : "  ").Append(key).Append(": ").Append(value).Append('\n');
                first = false;
            }
        }

        return builder.ToString();
    }

    private static List<KeyValuePair<string, string>> Fields(GeneratedParameter p)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("name", p.Name),
            new("description", Scalar($"{Describe(p.Kind)} (generated from the literal {p.Default})")),
        };
        if (IsNumber(p.Kind))
        {
            fields.Add(new("type", "number"));
        }

        fields.Add(new("default", Format(p.Default)));
        return fields;
    }

    private static string Describe(string kind) => kind switch
    {
        "url" => "URL",
        "ip" => "IP address",
        "host" => "Host name",
        "version" => "Version",
        "port" => "Port",
        "environment" => "Environment (-e sets it too)",
        _ => "Number",
    };
}
