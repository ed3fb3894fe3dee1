namespace Fanout.Workflows.Engine;

/// <summary>One metric value recorded on a run (SPEC W16), for the run record and the Prometheus endpoint.</summary>
/// <param name="Name">The metric name (e.g. <c>fanout_workflow_step_duration_seconds</c> or a custom metric).</param>
/// <param name="Labels">Labels as sorted <c>key=value</c> pairs joined with ',' (empty when none).</param>
/// <param name="Type"><c>counter</c>, <c>gauge</c> or <c>histogram</c>.</param>
/// <param name="Value">The value.</param>
public sealed record RunMetricRecord(string Name, string Labels, string Type, double Value);
