using Fanout.Diagnostics;
using Fanout.Workflows.Model;

namespace Fanout.Workflows;

/// <summary>The outcome of parsing (and optionally validating) a workflow: the model when readable, and every diagnostic.</summary>
/// <param name="Workflow">The workflow, or null when the file could not be read as a workflow at all.</param>
/// <param name="Diagnostics">Errors and warnings, ordered by position.</param>
public sealed record WorkflowParseResult(WorkflowDefinition? Workflow, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when any diagnostic is an error.</summary>
    public bool HasErrors => Workflow is null || Diagnostics.Any(d => d.IsError);
}
