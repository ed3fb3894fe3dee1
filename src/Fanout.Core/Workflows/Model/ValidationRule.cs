using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A pre-run check (W5 <c>validation:</c>): the run stops (exit 2) with <see cref="Message"/> unless it holds.</summary>
public sealed record ValidationRule
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The expression that must be true.</summary>
    public required TemplateText Expression { get; init; }

    /// <summary>The message shown when it is false (may use templates); null uses a generic message.</summary>
    public TemplateText? Message { get; init; }

    /// <summary>Where the rule is declared.</summary>
    public SourcePosition Position { get; init; }
}
