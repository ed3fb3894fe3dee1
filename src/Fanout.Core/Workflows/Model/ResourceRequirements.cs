using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>What a step needs free before it starts (W8 <c>resources:</c> / <c>resource_requirements:</c>).</summary>
public sealed record ResourceRequirements
{
    /// <summary>Memory in bytes, or null.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>CPU cores (<c>"0.5"</c> or <c>"500m"</c> = 0.5), or null.</summary>
    public double? Cpu { get; init; }

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
