using System.CommandLine;
using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout approve RUN_ID STEP [--comment C]</c> and <c>fanout reject RUN_ID STEP [--comment C]</c> (SPEC W14): records
/// the decision (with the actor) for a step waiting for approval; the waiting run — or <c>fanout resume</c> of it — proceeds.
/// </summary>
internal static class ApprovalCommand
{
    public static Command Create(CliContext context, bool approve)
    {
        string verb = approve ? "approve" : "reject";
        var command = new Command(verb, approve ? "Approve a workflow step that waits for manual approval" : "Reject a workflow step that waits for manual approval (the step fails)");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var step = new Argument<string>("STEP") { Description = "The step name or path" };
        var comment = new Option<string?>("--comment", "-m") { Description = "A comment recorded with the decision", HelpName = "TEXT" };
        command.Arguments.Add(runId);
        command.Arguments.Add(step);
        command.Options.Add(comment);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, verb, async store =>
        {
            string id = parsed.GetValue(runId)!;
            string name = parsed.GetValue(step)!;
            if (store.Workflows is not { } workflows)
            {
                return await StoreAction.ErrorAsync(context, verb, "this store does not hold workflow approvals").ConfigureAwait(false);
            }

            IReadOnlyList<ApprovalRecord> approvals = await workflows.GetApprovalsAsync(id, ct).ConfigureAwait(false);
            ApprovalRecord? match = approvals.FirstOrDefault(a => a.Step == name)
                ?? approvals.FirstOrDefault(a => a.Step.EndsWith("/" + name, StringComparison.Ordinal) && a.Status == "pending");
            if (match is null)
            {
                string known = approvals.Count == 0 ? "it has none" : "it has " + string.Join(", ", approvals.Select(a => $"{a.Step} ({a.Status})"));
                return await StoreAction.ErrorAsync(context, verb, $"run {id} has no approval for step '{name}' ({known})").ConfigureAwait(false);
            }

            if (match.Status != "pending")
            {
                return await StoreAction.ErrorAsync(context, verb, $"step '{match.Step}' of run {id} was already {match.Status} by {match.Actor}").ConfigureAwait(false);
            }

            string actor = RunService.DefaultActor;
            if (approve && await store.GetRunAsync(id, ct).ConfigureAwait(false) is { } run && ApprovalPolicy.SelfApprovalRefusal(run, actor) is { } refusal)
            {
                return await StoreAction.ErrorAsync(context, verb, refusal).ConfigureAwait(false);
            }

            if (!await workflows.DecideApprovalAsync(id, match.Step, approve, actor, parsed.GetValue(comment), context.Time.GetUtcNow(), ct).ConfigureAwait(false))
            {
                return await StoreAction.ErrorAsync(context, verb, $"step '{match.Step}' of run {id} was decided meanwhile").ConfigureAwait(false);
            }

            await context.Console.Out.WriteLineAsync($"{(approve ? "approved" : "rejected")} step '{match.Step}' of run {id} as {actor}").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
