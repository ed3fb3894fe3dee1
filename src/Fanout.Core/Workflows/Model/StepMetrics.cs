using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Per-step metrics settings (W16 step <c>metrics:</c>).</summary>
public sealed record StepMetrics
{
    /// <summary>Record the step's duration. The default value is true.</summary>
    public bool TrackDuration { get; init; } = true;

    /// <summary>Record success/failure counts. The default value is true.</summary>
    public bool TrackSuccess { get; init; } = true;

    /// <summary>Extra labels (values may use templates).</summary>
    public IReadOnlyDictionary<string, TemplateText> CustomLabels { get; init; } = new Dictionary<string, TemplateText>();

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
