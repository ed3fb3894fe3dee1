using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>One strategy of <c>recovery.strategies</c>: its actions run when any of its conditions holds for the failed run.</summary>
public sealed record RecoveryStrategy
{
    /// <summary>The strategy name (recorded on the run when it fires).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Condition names: a built-in failure class (<see cref="RecoveryPolicy.BuiltInConditions"/>) or the name of a
    /// workflow condition (<c>conditions:</c>), evaluated on the failure context.
    /// </summary>
    public IReadOnlyList<NamedReference> Conditions { get; init; } = [];

    /// <summary>Action names: entries of the workflow's <c>actions:</c> map, else actions of Fanout's config file.</summary>
    public IReadOnlyList<NamedReference> Actions { get; init; } = [];

    /// <summary>Whether this strategy is tried. The default value is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Where the strategy is declared.</summary>
    public SourcePosition Position { get; init; }
}
