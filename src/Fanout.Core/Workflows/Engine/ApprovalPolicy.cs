using Fanout.Runs;
using Fanout.Workflows.Validation;

namespace Fanout.Workflows.Engine;

/// <summary>Separation of duties for manual approvals (<c>approval: {distinct_approver: true}</c>): who may approve a run's steps.</summary>
public static class ApprovalPolicy
{
    /// <summary>
    /// Whether the workflow of <paramref name="run"/> declares <c>approval: {distinct_approver: true}</c>, read from the workflow
    /// file recorded in the run's definition (<see cref="RunDefinition.Workflow"/>). False when the definition names no file or the file is gone.
    /// </summary>
    public static bool RequiresDistinctApprover(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Operation is not { } definition || run.Kind != "workflow")
        {
            return false;
        }

        try
        {
            return RunDefinition.FromJson(definition).Workflow?.File is { } file && File.Exists(file)
                && WorkflowValidator.ValidateFile(file).Workflow?.Approval?.DistinctApprover == true;
        }
        catch (FanoutException)
        {
            return false;
        }
    }

    /// <summary>Why <paramref name="approver"/> may not approve a step of <paramref name="run"/>, or <see langword="null"/> when they may.</summary>
    /// <param name="run">The run whose step is to be approved.</param>
    /// <param name="approver">Who approves: a token name or <c>user@host</c>.</param>
    /// <param name="serverRequires">True when the caller's side (e.g. <c>fanout serve --require-distinct-approver</c>) asks for a distinct approver whatever the workflow says.</param>
    public static string? SelfApprovalRefusal(RunRecord run, string approver, bool serverRequires = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!string.Equals(approver, run.Actor, StringComparison.Ordinal))
        {
            return null;
        }

        return serverRequires ? $"'{approver}' started run {run.RunId} and may not approve it: the server requires a distinct approver"
            : RequiresDistinctApprover(run) ? $"'{approver}' started run {run.RunId} and may not approve it: the workflow requires a distinct approver (approval: {{distinct_approver: true}})"
            : null;
    }
}
