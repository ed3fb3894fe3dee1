using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>The workflow's rollback (W12 <c>rollback:</c>).</summary>
public sealed record RollbackPolicy
{
    /// <summary>Known values of <see cref="Conditions"/>.</summary>
    public static IReadOnlyList<string> KnownConditions { get; } = ["any", "deployment_timeout", "health_check_failed"];

    /// <summary>Whether rollback is on. The default value is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Roll back without asking when the run fails. The default value is true.</summary>
    public bool Automatic { get; init; } = true;

    /// <summary>Which failures trigger it (<c>any</c>, <c>deployment_timeout</c>, <c>health_check_failed</c>). The default is <c>any</c>.</summary>
    public IReadOnlyList<string> Conditions { get; init; } = ["any"];

    /// <summary>The rollback steps.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; init; } = [];

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
