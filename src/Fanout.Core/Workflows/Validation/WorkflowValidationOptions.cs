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
    /// Extra root names templates may use without a warning (for example names that will be passed with
    /// <c>--set</c>). The default value is empty.
    /// </summary>
    public IReadOnlyCollection<string> KnownNames { get; init; } = [];
}
