using Fanout.Diagnostics;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Validation;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using static Fanout.Workflows.Templates.YamlText;

namespace Fanout.Workflows.Templates;

/// <summary>Writes a new workflow from a template (SPEC W18 <c>fanout create NAME --template T --set …</c>).</summary>
public static class TemplateInstantiator
{
    /// <summary>
    /// Returns the template's text with <c>name</c> set to <paramref name="name"/> and each <c>--set</c> value made the
    /// default of its parameter (converted to the parameter's type and checked against its validation; a required
    /// parameter given a value stops being required). Comments and layout of the template are kept. The result is validated.
    /// </summary>
    /// <param name="template">The template.</param>
    /// <param name="name">The new workflow's name.</param>
    /// <param name="set"><c>--set KEY=VALUE[,…]</c> arguments; every key must be a declared parameter.</param>
    /// <param name="validation">Options for validating the result (configured channels …).</param>
    /// <param name="file">The file name used in diagnostics.</param>
    public static TemplateInstantiation Create(WorkflowTemplate template, string name, IReadOnlyList<string> set, WorkflowValidationOptions? validation = null, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(set);
        var errors = new List<string>();
        var given = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var argument in set)
        {
            var pairs = SetArgument.Parse(argument, out var error);
            foreach (var (k, v) in pairs)
            {
                given[k] = v;
            }

            if (error is not null)
            {
                errors.Add(error);
            }
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(template.Text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var edits = new List<Edit>();
        var parameterNodes = (Get(root, "parameters") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>().ToList() ?? [];
        foreach (var (key, raw) in given)
        {
            var parameter = template.Parameters.FirstOrDefault(p => p.Name == key);
            var node = parameterNodes.FirstOrDefault(n => (Get(n, "name") as YamlScalarNode)?.Value == key);
            if (parameter is null || node is null)
            {
                errors.Add($"template '{template.Name}' has no parameter '{key}'{EditDistance.Hint(key, template.Parameters.Select(p => p.Name))}");
                continue;
            }

            if (ParameterBinder.Check(parameter, raw, out var value) is { } problem)
            {
                errors.Add($"parameter '{key}': {problem}");
                continue;
            }

            SetDefault(template.Text, node, Format(value), edits);
        }

        if (errors.Count > 0)
        {
            return new TemplateInstantiation(null, errors, []);
        }

        if (Get(root, "name") is { } nameNode)
        {
            edits.Add(new Edit(Start(nameNode), End(nameNode, template.Text), Scalar(name)));
        }
        else
        {
            edits.Add(new Edit(Start(root), Start(root), $"name: {Scalar(name)}\n"));
        }

        var text = StripLeadingComments(Apply(template.Text, edits));
        text = $"# Created by 'fanout create' from template '{template.Name}'.\n" + text;
        var result = WorkflowValidator.ValidateText(text, file ?? name + ".yaml", validation);
        return new TemplateInstantiation(result.HasErrors ? null : text, [], result.Diagnostics);
    }

    internal static void SetDefault(string source, YamlMappingNode parameter, string formatted, List<Edit> edits)
    {
        if (Get(parameter, "default") is { } existing)
        {
            edits.Add(new Edit(Start(existing), End(existing, source), formatted));
        }
        else
        {
            var nameValue = Get(parameter, "name")!;
            var nameKey = Key(parameter, "name")!;
            var text = parameter.Style == MappingStyle.Flow
                ? $", default: {formatted}"
                : $"\n{new string(' ', (int)nameKey.Start.Column - 1)}default: {formatted}";
            edits.Add(new Edit(End(nameValue, source), End(nameValue, source), text));
        }

        if (Get(parameter, "required") is YamlScalarNode { Value: "true" or "True" or "yes" } required)
        {
            edits.Add(new Edit(Start(required), End(required, source), "false"));
        }
    }

    private static string StripLeadingComments(string text)
    {
        var lines = text.Split('\n');
        var first = Array.FindIndex(lines, l => !l.TrimStart().StartsWith('#') && l.Trim().Length > 0);
        return first <= 0 ? text : string.Join('\n', lines[first..]);
    }
}
