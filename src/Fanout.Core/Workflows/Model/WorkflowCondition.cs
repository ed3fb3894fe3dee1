using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A named boolean (W5 <c>conditions:</c>), readable as <c>.name</c> and <c>.conditions.name</c>.</summary>
public sealed record WorkflowCondition
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The expression (bare or <c>{{ }}</c>-wrapped).</summary>
    public required TemplateText Expression { get; init; }

    /// <summary>Where the condition is declared.</summary>
    public SourcePosition Position { get; init; }
}
