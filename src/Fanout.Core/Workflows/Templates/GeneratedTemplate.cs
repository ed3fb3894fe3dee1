using Fanout.Diagnostics;

namespace Fanout.Workflows.Templates;

/// <summary>The outcome of <see cref="TemplateGenerator.Generate"/>.</summary>
/// <param name="Text">The template YAML; null when the source could not be read as a workflow or the result does not validate.</param>
/// <param name="Parameters">The parameters made from literals, in order of first appearance.</param>
/// <param name="Diagnostics">Errors in the source workflow, or validation findings on the template.</param>
public sealed record GeneratedTemplate(string? Text, IReadOnlyList<GeneratedParameter> Parameters, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when a template was produced.</summary>
    public bool Success => Text is not null;
}
