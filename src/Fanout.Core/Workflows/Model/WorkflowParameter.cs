using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A declared workflow parameter (W2).</summary>
public sealed record WorkflowParameter
{
    /// <summary>The name, readable in templates as <c>.name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Human description.</summary>
    public string? Description { get; init; }

    /// <summary>The type. The default value is <see cref="ParameterType.String"/>.</summary>
    public ParameterType Type { get; init; } = ParameterType.String;

    /// <summary>The default value (template value model), or null for none.</summary>
    public object? Default { get; init; }

    /// <summary>Whether a default was written (a written <c>default: null</c> counts).</summary>
    public bool HasDefault { get; init; }

    /// <summary>Whether a value must be given when there is no default. The default value is false.</summary>
    public bool Required { get; init; }

    /// <summary>Whether the value is masked as <c>***</c> in logs, output, history and exports. The default value is false.</summary>
    public bool Secret { get; init; }

    /// <summary>Constraints, or null.</summary>
    public ParameterValidation? Validation { get; init; }

    /// <summary>Where the parameter is declared.</summary>
    public SourcePosition Position { get; init; }
}
