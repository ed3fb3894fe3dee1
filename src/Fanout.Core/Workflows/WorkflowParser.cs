using Fanout.Diagnostics;
using Fanout.Workflows.Parsing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fanout.Workflows;

/// <summary>Parses workflow YAML into a <see cref="Model.WorkflowDefinition"/>, keeping <c>file:line:col</c> for every node.</summary>
public static class WorkflowParser
{
    /// <summary>Parses workflow text. Never throws for bad input: YAML and structure problems are returned as diagnostics.</summary>
    /// <param name="text">The YAML text.</param>
    /// <param name="file">The file name used in positions, or null.</param>
    public static WorkflowParseResult Parse(string text, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var yaml = new YamlReader(file, text);
        if (YamlText.TryLoad(text, out YamlSyntaxError? error) is not { } stream)
        {
            return new WorkflowParseResult(null, [Diagnostic.Error(new SourcePosition(file, error!.Line, error.Column), "invalid YAML: " + error.Message)]);
        }

        if (stream.Documents.Count == 0)
        {
            return new WorkflowParseResult(null, [Diagnostic.Error(new SourcePosition(file, 1, 1), "the workflow file is empty")]);
        }

        if (stream.Documents.Count > 1)
        {
            yaml.Error(stream.Documents[1].RootNode, "a workflow file holds one YAML document; found more");
        }

        var defaultName = file is null ? "workflow" : Path.GetFileNameWithoutExtension(file);
        var workflow = new WorkflowReader(yaml).Read(stream.Documents[0].RootNode, defaultName);
        return new WorkflowParseResult(workflow, Sort(yaml.Diagnostics));
    }

    /// <summary>Reads and parses a workflow file; an unreadable file is returned as a diagnostic.</summary>
    public static WorkflowParseResult ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new WorkflowParseResult(null, [Diagnostic.Error(new SourcePosition(path, 1, 1), $"cannot read the workflow: {ex.Message}")]);
        }

        return Parse(text, path);
    }

    internal static List<Diagnostic> Sort(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Distinct()
            .OrderBy(d => d.Position.Line).ThenBy(d => d.Position.Column).ThenBy(d => d.Severity == DiagnosticSeverity.Error ? 0 : 1)
            .ToList();
}
