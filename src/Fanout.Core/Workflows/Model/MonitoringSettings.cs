using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>
/// The switches of <c>monitoring:</c> (its <c>alerts</c> are <see cref="WorkflowDefinition.Alerts"/>); what each does is
/// documented in docs/workflows.md (W16).
/// </summary>
public sealed record MonitoringSettings
{
    /// <summary>Run figures (or custom metric names) exported as metrics: to the run record and the Prometheus endpoint.</summary>
    public IReadOnlyList<NamedReference> Metrics { get; init; } = [];

    /// <summary>Record a health summary of the run's health steps (those whose name contains <c>health</c>). The default value is false.</summary>
    public bool HealthChecks { get; init; }

    /// <summary>The same as <c>metrics.enabled</c>, or null when not written.</summary>
    public bool? MetricsCollection { get; init; }

    /// <summary>Write the run's step logs as JSON lines to the sink of Fanout's config (<c>log_aggregation.path</c>). The default value is false.</summary>
    public bool LogAggregation { get; init; }

    /// <summary>Send a <c>failed</c> notification to the workflow's channels even when <c>notifications.events</c> omits it. The default value is false.</summary>
    public bool AlertOnFailure { get; init; }

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
