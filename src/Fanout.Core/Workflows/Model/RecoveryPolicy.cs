using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>
/// The workflow's recovery (<c>recovery:</c>): when the run fails, each strategy whose condition holds runs its actions in
/// order — after the failing step's own hooks, before the workflow rollback.
/// </summary>
public sealed record RecoveryPolicy
{
    /// <summary>Built-in failure classes a strategy condition may name: <c>any</c>, <c>deployment_timeout</c> (a step timed out), <c>health_check_failed</c> (a health step failed).</summary>
    public static IReadOnlyList<string> BuiltInConditions { get; } = ["any", "deployment_timeout", "health_check_failed"];

    /// <summary>Whether recovery runs at all. The default value is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The strategies, in the order they are tried.</summary>
    public IReadOnlyList<RecoveryStrategy> Strategies { get; init; } = [];

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
