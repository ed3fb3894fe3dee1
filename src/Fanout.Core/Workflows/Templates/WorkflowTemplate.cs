using Fanout.Workflows.Model;

namespace Fanout.Workflows.Templates;

/// <summary>
/// A reusable workflow (SPEC W18): a workflow file whose environment-specific values are parameters with defaults.
/// Built-in templates are embedded in Fanout.Core; user templates are <c>*.yaml</c> files in the templates directory.
/// </summary>
public sealed record WorkflowTemplate
{
    /// <summary>The template name (<c>--template NAME</c>): the built-in's name, or a user template's file name without extension.</summary>
    public required string Name { get; init; }

    /// <summary>The description (the workflow's <c>description</c>), or an empty string.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>True for a template shipped with Fanout.</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>The file a user template was read from; null for built-ins.</summary>
    public string? Path { get; init; }

    /// <summary>The template's YAML text.</summary>
    public required string Text { get; init; }

    /// <summary>The declared parameters.</summary>
    public IReadOnlyList<WorkflowParameter> Parameters { get; init; } = [];
}
