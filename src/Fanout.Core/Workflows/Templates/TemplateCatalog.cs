using Fanout.Diagnostics;

namespace Fanout.Workflows.Templates;

/// <summary>Lists built-in and user workflow templates (SPEC W18 <c>fanout templates</c>).</summary>
public static class TemplateCatalog
{
    private const string ResourcePrefix = "Fanout.Templates.";

    private static readonly Lazy<IReadOnlyList<WorkflowTemplate>> BuiltInTemplates = new(LoadBuiltIn);

    /// <summary>The templates shipped with Fanout: <c>deployment</c>, <c>parallel-maintenance</c>, <c>blue-green</c>, <c>rolling-restart</c>.</summary>
    public static IReadOnlyList<WorkflowTemplate> BuiltIn => BuiltInTemplates.Value;

    /// <summary>Built-in templates plus the <c>*.yaml</c>/<c>*.yml</c> files in <paramref name="userDirectory"/> (missing directory: none).</summary>
    /// <param name="userDirectory">The user templates directory (<c>FanoutConfig.TemplatesDirectory</c>), or null.</param>
    public static TemplateCatalogResult Load(string? userDirectory)
    {
        var templates = new List<WorkflowTemplate>(BuiltIn);
        var diagnostics = new List<Diagnostic>();
        if (userDirectory is not null && Directory.Exists(userDirectory))
        {
            var files = Directory.EnumerateFiles(userDirectory)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    diagnostics.Add(Diagnostic.Error(new SourcePosition(file, 1, 1), $"cannot read the template: {ex.Message}"));
                    continue;
                }

                var template = FromText(System.IO.Path.GetFileNameWithoutExtension(file), text, file, out var errors);
                diagnostics.AddRange(errors);
                if (template is not null)
                {
                    templates.Add(template);
                }
            }
        }

        return new TemplateCatalogResult(templates, diagnostics);
    }

    private static WorkflowTemplate? FromText(string name, string text, string? path, out IReadOnlyList<Diagnostic> errors)
    {
        var parsed = WorkflowParser.Parse(text, path ?? name + ".yaml");
        errors = parsed.Diagnostics.Where(d => d.IsError).ToList();
        if (parsed.Workflow is not { } workflow)
        {
            return null;
        }

        return new WorkflowTemplate
        {
            Name = name,
            Description = workflow.Description ?? string.Empty,
            IsBuiltIn = path is null,
            Path = path,
            Text = text,
            Parameters = workflow.Parameters,
        };
    }

    private static List<WorkflowTemplate> LoadBuiltIn()
    {
        var assembly = typeof(TemplateCatalog).Assembly;
        var list = new List<WorkflowTemplate>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var name = System.IO.Path.GetFileNameWithoutExtension(resource[ResourcePrefix.Length..]);
            var template = FromText(name, reader.ReadToEnd(), null, out var errors);
            if (template is null || errors.Count > 0)
            {
                // A broken built-in is a build defect; the template tests catch it.
                throw new InvalidOperationException($"built-in template '{name}' is invalid: {string.Join("; ", errors)}");
            }

            list.Add(template);
        }

        return list;
    }
}
