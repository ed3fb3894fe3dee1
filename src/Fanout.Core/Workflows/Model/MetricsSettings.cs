using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Workflow metrics (W16 <c>metrics:</c>).</summary>
public sealed record MetricsSettings
{
    /// <summary>Whether metrics are recorded. The default value is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Where the run's metrics go (docs/workflows.md, "Metrics collectors"): <c>prometheus</c> (the store, exported on
    /// <c>/metrics</c>), a run figure name (recorded as <c>fanout_workflow_NAME</c>), or a channel of Fanout's config (the
    /// metrics are delivered to it as a <c>metrics</c> event).
    /// </summary>
    public IReadOnlyList<NamedReference> Collectors { get; init; } = [];

    /// <summary>Custom metrics.</summary>
    public IReadOnlyList<CustomMetric> CustomMetrics { get; init; } = [];

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
