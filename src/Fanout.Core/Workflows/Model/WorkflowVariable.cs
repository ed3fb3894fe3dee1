using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>An entry of <c>variables:</c> (W3), rendered in order; may use parameters and earlier variables.</summary>
public sealed record WorkflowVariable
{
    /// <summary>The name, readable as <c>.name</c> and <c>.variables.name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The template when the value is a string; null otherwise.</summary>
    public TemplateText? Template { get; init; }

    /// <summary>The literal value (number, boolean, list, map) when the value is not a string.</summary>
    public object? Literal { get; init; }

    /// <summary>Where the variable is declared.</summary>
    public SourcePosition Position { get; init; }
}
