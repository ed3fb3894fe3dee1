using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout logs RUN_ID [--target T] [--follow]</c> (SPEC H2): the complete stdout and stderr of each target's attempts.
/// With <c>--follow</c> it keeps printing targets as they finish until the run ends.
/// </summary>
internal static class LogsCommand
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliContext context)
    {
        var command = new Command("logs", "Print the output of a recorded run's targets");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var target = new Option<string?>("--target", "-t", "--step") { Description = "Only this target (for workflow runs: --step STEP_PATH)", HelpName = "TARGET" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing targets as they finish until the run ends" };
        command.Arguments.Add(runId);
        command.Options.Add(target);
        command.Options.Add(follow);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "logs", async store =>
        {
            string id = parsed.GetValue(runId)!;
            string? only = parsed.GetValue(target);
            if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is null)
            {
                return await StoreAction.ErrorAsync(context, "logs", $"no run with id '{id}'").ConfigureAwait(false);
            }

            if (only is not null && !(await store.GetRunTargetsAsync(id, ct).ConfigureAwait(false)).Any(t => t.Target == only))
            {
                return await StoreAction.ErrorAsync(context, "logs", $"run {id} has no target '{only}'").ConfigureAwait(false);
            }

            var printed = new HashSet<(string, int)>();
            while (true)
            {
                RunRecord run = (await store.GetRunAsync(id, ct).ConfigureAwait(false))!;
                IReadOnlyList<TargetAttemptRecord> attempts = await store.GetAttemptsAsync(id, new AttemptQuery { Target = only }, ct).ConfigureAwait(false);
                foreach (TargetAttemptRecord a in attempts.Where(a => a.State is not (AttemptState.Running or AttemptState.NotRun)))
                {
                    if (printed.Add((a.Target, a.Attempt)))
                    {
                        await PrintAsync(context.Console.Out, a).ConfigureAwait(false);
                    }
                }

                if (!parsed.GetValue(follow) || run.Status.IsFinal())
                {
                    return ExitCodes.Success;
                }

                await Task.Delay(FollowInterval, context.Time, ct).ConfigureAwait(false);
            }
        }, ct));
        return command;
    }

    private static async Task PrintAsync(TextWriter o, TargetAttemptRecord a)
    {
        string exit = a.ExitCode is { } e ? $", exit {e}" : string.Empty;
        await o.WriteLineAsync($"==> {a.Target} (attempt {a.Attempt}, {a.State.ToWireName()}{exit}) <==").ConfigureAwait(false);
        string stdout = StoredResults.ReadFull(a.Stdout, a.StdoutLog);
        string stderr = StoredResults.ReadFull(a.Stderr, a.StderrLog);
        if (stdout.Length > 0)
        {
            await o.WriteAsync(stdout.EndsWith('\n') ? stdout : stdout + "\n").ConfigureAwait(false);
        }

        if (stderr.Length > 0)
        {
            await o.WriteLineAsync("--- stderr ---").ConfigureAwait(false);
            await o.WriteAsync(stderr.EndsWith('\n') ? stderr : stderr + "\n").ConfigureAwait(false);
        }

        if (a.Error is not null && a.State != AttemptState.Succeeded)
        {
            await o.WriteLineAsync($"error: {a.Error}").ConfigureAwait(false);
        }
    }
}
