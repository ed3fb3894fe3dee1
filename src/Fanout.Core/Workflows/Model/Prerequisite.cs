using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A command that must succeed before the run starts (W5 <c>prerequisites:</c>).</summary>
public sealed record Prerequisite
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The command (rendered in shell mode).</summary>
    public required TemplateText Command { get; init; }

    /// <summary>Where the prerequisite is declared.</summary>
    public SourcePosition Position { get; init; }
}
