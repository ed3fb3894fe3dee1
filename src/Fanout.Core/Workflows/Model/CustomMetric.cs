using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A workflow-defined metric (W16 <c>metrics.custom_metrics</c>).</summary>
public sealed record CustomMetric
{
    /// <summary>Known values of <see cref="Type"/>.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } = ["counter", "gauge", "histogram"];

    /// <summary>The metric name.</summary>
    public required string Name { get; init; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>histogram</c>. The default value is <c>gauge</c>.</summary>
    public string Type { get; init; } = "gauge";

    /// <summary>Help text.</summary>
    public string? Description { get; init; }

    /// <summary>The value expression, evaluated at the end of the run, or null.</summary>
    public TemplateText? Value { get; init; }

    /// <summary>Where the metric is declared.</summary>
    public SourcePosition Position { get; init; }
}
