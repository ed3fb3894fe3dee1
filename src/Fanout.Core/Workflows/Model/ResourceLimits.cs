using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Workflow-wide resource limits (W8 <c>resource_limits:</c>).</summary>
public sealed record ResourceLimits
{
    /// <summary>The most steps running at once, or null for no limit.</summary>
    public int? MaxParallel { get; init; }

    /// <summary>The memory all running steps may request together, in bytes, or null for no limit.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>The CPU cores all running steps may request together, or null for no limit.</summary>
    public double? CpuLimit { get; init; }

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
