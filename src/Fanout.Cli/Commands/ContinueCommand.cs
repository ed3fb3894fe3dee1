using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout resume RUN_ID</c> (SPEC H3) and <c>fanout retry RUN_ID [--failed|--not-run|--all-unsuccessful]</c> (SPEC X11):
/// a stored run runs again with its recorded definition, options and selection; changes of the inventory are reported.
/// </summary>
internal static class ContinueCommand
{
    public static Command CreateResume(CliContext context)
    {
        var command = new Command("resume", "Continue a failed, cancelled or interrupted run: completed targets are not run again, the rest (including what was running) are");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        command.Arguments.Add(runId);
        var options = new RenderOptions(command);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "resume", async store =>
        {
            Runs.RunService service = context.GetRunService(store);
            ContinuationPlan plan = await service.PlanResumeAsync(parsed.GetValue(runId)!, ct).ConfigureAwait(false);
            return await RunAsync(context, service, plan, "resume", options, parsed, ct).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command CreateRetry(CliContext context)
    {
        var command = new Command("retry", "Run the unsuccessful targets of an earlier run again, as a new run linked to it");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var failed = new Option<bool>("--failed") { Description = "Only targets that failed or timed out" };
        var notRun = new Option<bool>("--not-run") { Description = "Only targets that never finished (not run, cancelled, interrupted)" };
        var all = new Option<bool>("--all-unsuccessful") { Description = "Every target that did not succeed (the default)" };
        command.Arguments.Add(runId);
        command.Options.Add(failed);
        command.Options.Add(notRun);
        command.Options.Add(all);
        var options = new RenderOptions(command);
        command.SetAction((parsed, ct) =>
        {
            int chosen = (parsed.GetValue(failed) ? 1 : 0) + (parsed.GetValue(notRun) ? 1 : 0) + (parsed.GetValue(all) ? 1 : 0);
            if (chosen > 1)
            {
                return StoreAction.ErrorAsync(context, "retry", "choose one of --failed, --not-run, --all-unsuccessful");
            }

            RetrySelection selection = parsed.GetValue(failed) ? RetrySelection.Failed : parsed.GetValue(notRun) ? RetrySelection.NotRun : RetrySelection.AllUnsuccessful;
            return StoreAction.RunAsync(parsed, context, "retry", async store =>
            {
                Runs.RunService service = context.GetRunService(store);
                ContinuationPlan plan = await service.PlanRetryAsync(parsed.GetValue(runId)!, selection, ct).ConfigureAwait(false);
                if (plan.Request is { } request)
                {
                    plan = plan with { Request = request with { RunId = service.NewRunId() } };
                }

                return await RunAsync(context, service, plan, "retry", options, parsed, ct).ConfigureAwait(false);
            }, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Runs.RunService service, ContinuationPlan plan, string name, RenderOptions options, ParseResult parsed, CancellationToken ct)
    {
        TextWriter err = context.Console.Error;
        foreach (string missing in plan.Missing)
        {
            await err.WriteLineAsync($"fanout {name}: warning: target '{missing}' is no longer in the inventory; it is not run").ConfigureAwait(false);
        }

        if (plan.Added.Count > 0)
        {
            await err.WriteLineAsync($"fanout {name}: warning: the selection now also matches {plan.Added.Count} target(s) the run did not have ({string.Join(", ", plan.Added.Take(10))}{(plan.Added.Count > 10 ? ", …" : string.Empty)}); they are not added").ConfigureAwait(false);
        }

        if (plan.Error is { } error)
        {
            return await StoreAction.ErrorAsync(context, name, error).ConfigureAwait(false);
        }

        if (plan.Request is not { } request)
        {
            await context.Console.Out.WriteLineAsync(plan.NothingToDo ?? "Nothing to do.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        string verb = name == "resume" ? $"Resuming run {request.RunId}" : $"Retrying run {plan.Run!.RunId} as run {request.RunId}";
        string running = plan.WereRunning.Count > 0 ? $" ({plan.WereRunning.Count} were running when it stopped and run again)" : string.Empty;
        await err.WriteLineAsync($"{verb}: {request.Targets.Count} target(s){running}").ConfigureAwait(false);
        var acting = new ActingCommand(context, new SelectorOptions(), new RunOptions());
        return await acting.ExecuteAndReportAsync(service, request, parsed.GetValue(options.Output) ?? "table", parsed.GetValue(options.Quiet), null, ct).ConfigureAwait(false);
    }

    private sealed class RenderOptions
    {
        public RenderOptions(Command command)
        {
            command.Options.Add(Output);
            command.Options.Add(Quiet);
        }

        public Option<string> Output { get; } = StoreAction.OutputOption("table", "json", "csv");

        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Show only the summary, no progress" };
    }
}
