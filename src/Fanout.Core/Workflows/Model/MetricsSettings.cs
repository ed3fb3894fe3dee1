using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Workflow metrics (W16 <c>metrics:</c>).</summary>
public sealed record MetricsSettings
{
    /// <summary>Whether metrics are recorded. The default value is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Collector names.</summary>
    public IReadOnlyList<string> Collectors { get; init; } = [];

    /// <summary>Custom metrics.</summary>
    public IReadOnlyList<CustomMetric> CustomMetrics { get; init; } = [];

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
