namespace Fanout.Workflows.Validation;

/// <summary>What the validator needs to know about Fanout's configuration.</summary>
public sealed class WorkflowValidationOptions
{
    /// <summary>
    /// Notification channel names configured in Fanout's config; a workflow naming any other channel gets a warning.
    /// The default value is empty (no channel configured).
    /// </summary>
    public IReadOnlyCollection<string> ConfiguredChannels { get; init; } = [];

    /// <summary>
    /// Action names configured in Fanout's config (<c>actions:</c>); a recovery action that is neither one of them nor in
    /// the workflow's <c>actions:</c> gets a warning. The default value is empty.
    /// </summary>
    public IReadOnlyCollection<string> ConfiguredActions { get; init; } = [];

    /// <summary>
    /// Whether Fanout's config names a log aggregation sink (<c>log_aggregation.path</c>); without one,
    /// <c>monitoring.log_aggregation: true</c> gets a warning. The default value is false.
    /// </summary>
    public bool LogAggregationConfigured { get; init; }

    /// <summary>
    /// Extra root names templates may use without a warning (for example names that will be passed with
    /// <c>--set</c>). The default value is empty.
    /// </summary>
    public IReadOnlyCollection<string> KnownNames { get; init; } = [];
}
