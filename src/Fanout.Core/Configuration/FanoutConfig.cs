namespace Fanout.Configuration;

/// <summary>
/// Fanout's own configuration file (docs/config.md): notification channels, the workflows directory and the user
/// templates directory. Loaded by <see cref="FanoutConfigLoader"/>; paths are absolute.
/// </summary>
public sealed record FanoutConfig
{
    /// <summary>The file the configuration came from, or null when none exists (all defaults).</summary>
    public string? Path { get; init; }

    /// <summary>Where <c>fanout workflows</c> looks for workflow files. The default value is <c>./workflows</c> (current directory).</summary>
    public required string WorkflowsDirectory { get; init; }

    /// <summary>
    /// Where user templates live. The default value is <c>$XDG_CONFIG_HOME/fanout/templates</c>, else
    /// <c>~/.config/fanout/templates</c>; null when neither <c>XDG_CONFIG_HOME</c> nor <c>HOME</c> is set.
    /// </summary>
    public string? TemplatesDirectory { get; init; }

    /// <summary>The default of <c>--strict</c>: a selector part that matches nothing, or an empty selection, is an error (exit 2) rather than a warning.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Strict { get; init; }

    /// <summary>
    /// The default of <c>--output-budget</c> (<c>output_budget</c>): bytes of captured output a run may hold in memory
    /// together (SPEC X12), or null for the built-in default (<see cref="Output.OutputBudget.DefaultBytes"/>).
    /// </summary>
    public long? OutputBudget { get; init; }

    /// <summary>
    /// Where workflows with <c>monitoring.log_aggregation: true</c> append their step logs as JSON lines
    /// (<c>log_aggregation.path</c>), or null when not configured (the default).
    /// </summary>
    public string? LogAggregationPath { get; init; }

    /// <summary>
    /// Named actions (<c>actions: {NAME: command}</c>) that workflow recovery strategies may run when the workflow does not
    /// define an action of that name itself. The default value is empty.
    /// </summary>
    public IReadOnlyDictionary<string, string> Actions { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Notification channels by name (case-sensitive). The default value is empty.</summary>
    public IReadOnlyDictionary<string, NotificationChannel> Channels { get; init; } = new Dictionary<string, NotificationChannel>(StringComparer.Ordinal);
}
