using System.CommandLine;
using System.Runtime.InteropServices;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout serve</c>: for now only the scheduler loop (SPEC H5) — it fires stored schedules until SIGINT or SIGTERM.
/// The HTTP API and web UI (SPEC A, U) will be added to this command.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("serve", "Run the server: fires schedules (the HTTP API comes later); stops on SIGINT/SIGTERM");
        var poll = new Option<string>("--poll-interval") { Description = "How often schedules are re-read from the store", DefaultValueFactory = _ => "5s", HelpName = "DURATION" };
        command.Options.Add(poll);
        command.SetAction((parsed, ct) =>
        {
            if (!Duration.TryParse(parsed.GetValue(poll), out TimeSpan interval) || interval <= TimeSpan.Zero)
            {
                return StoreAction.ErrorAsync(context, "serve", $"--poll-interval '{parsed.GetValue(poll)}' is not a positive duration");
            }

            return StoreAction.RunAsync(parsed, context, "serve", async store =>
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
                {
                    signal.Cancel = true; // stop gracefully: running scheduled runs are cancelled and recorded
                    stop.Cancel();
                });
                await context.Console.Out.WriteLineAsync($"fanout serve: firing schedules from {store.Location} (pid {Environment.ProcessId})").ConfigureAwait(false);
                await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
                var scheduler = new Scheduler(store, new CliScheduleLauncher(context, store), context.Time, new SchedulerOptions { PollInterval = interval });
                try
                {
                    await scheduler.RunAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    await context.Console.Out.WriteLineAsync("fanout serve: stopped").ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }, ct);
        });
        return command;
    }
}
