using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>An alert evaluated on the run's figures (W16 <c>monitoring.alerts</c>).</summary>
public sealed record MonitoringAlert
{
    /// <summary>Known values of <see cref="Severity"/>.</summary>
    public static IReadOnlyList<string> KnownSeverities { get; } = ["info", "warning", "critical"];

    /// <summary>
    /// The condition, e.g. <c>deployment_duration &gt; 1800</c>; parse it with
    /// <c>Template.ParseExpression(text, origin, bareNames: true)</c> so run figures can be named without a dot.
    /// </summary>
    public required TemplateText Condition { get; init; }

    /// <summary>The severity. The default value is <c>warning</c>.</summary>
    public string Severity { get; init; } = "warning";

    /// <summary>An optional message.</summary>
    public TemplateText? Message { get; init; }

    /// <summary>Where the alert is declared.</summary>
    public SourcePosition Position { get; init; }
}
