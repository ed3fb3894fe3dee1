using Fanout.Diagnostics;

namespace Fanout.Workflows.Templates;

/// <summary>The outcome of <see cref="TemplateInstantiator.Create"/>: the new workflow's text, or why it could not be made.</summary>
/// <param name="Text">The workflow YAML; null when <see cref="Errors"/> is not empty.</param>
/// <param name="Errors">Problems with the <c>--set</c> values (each names the parameter).</param>
/// <param name="Diagnostics">Validation findings on the new workflow (errors make <see cref="Text"/> null).</param>
public sealed record TemplateInstantiation(string? Text, IReadOnlyList<string> Errors, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when the workflow was made and validates without errors.</summary>
    public bool Success => Text is not null && Errors.Count == 0 && !Diagnostics.Any(d => d.IsError);
}
