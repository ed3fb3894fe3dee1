using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>How the workflow's manual approvals (W14) are granted: <c>approval: {distinct_approver: true}</c>.</summary>
public sealed record ApprovalSettings
{
    /// <summary>Whether an approval must come from someone other than the actor who started the run (separation of duties). The default value is false.</summary>
    public bool DistinctApprover { get; init; }

    /// <summary>Where the block is declared.</summary>
    public SourcePosition Position { get; init; }
}
