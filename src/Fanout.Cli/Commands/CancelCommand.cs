using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout cancel RUN_ID [--wait]</c> (SPEC A9): asks the process that owns a run — this machine's CLI, another
/// terminal, <c>fanout serve</c> — to cancel it, through a cancel request in the store that the owner polls.
/// </summary>
internal static class CancelCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cancel", "Cancel a running run of any kind, whichever process runs it (the owner stops it within about a second)");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the run has stopped and print its final status" };
        command.Arguments.Add(runId);
        command.Options.Add(wait);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "cancel", async store =>
        {
            string id = parsed.GetValue(runId)!;
            if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is not { } run)
            {
                return await StoreAction.ErrorAsync(context, "cancel", $"no run with id '{id}'").ConfigureAwait(false);
            }

            if (!await store.RequestCancelAsync(id, RunService.DefaultActor, ct).ConfigureAwait(false))
            {
                RunStatus status = (await store.GetRunAsync(id, ct).ConfigureAwait(false))?.Status ?? run.Status;
                await context.Console.Out.WriteLineAsync($"Run {id} is not running ({status.ToWireName()}); nothing to cancel.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Console.Out.WriteLineAsync($"Cancel requested for run {id} (owner pid {run.OwnerPid} on {run.OwnerHost}).").ConfigureAwait(false);
            if (!parsed.GetValue(wait))
            {
                return ExitCodes.Success;
            }

            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), context.Time, ct).ConfigureAwait(false);
                if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is { } now && now.Status.IsFinal())
                {
                    await context.Console.Out.WriteLineAsync($"Run {id} {now.Status.ToWireName()}.").ConfigureAwait(false);
                    return ExitCodes.Success;
                }
            }
        }, ct));
        return command;
    }
}
