using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout cleanup --older-than 30d [--keep-last N]</c> (SPEC H4): deletes ended runs and their log files.</summary>
internal static class CleanupCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cleanup", "Delete recorded runs (and their log files) that started before a given age");
        var olderThan = new Option<string>("--older-than") { Description = "Delete runs older than this (30d, 12h, …)", Required = true, HelpName = "DURATION" };
        var keepLast = new Option<int>("--keep-last") { Description = "Always keep the newest N runs", DefaultValueFactory = _ => 0, HelpName = "N" };
        command.Options.Add(olderThan);
        command.Options.Add(keepLast);
        command.SetAction((parsed, ct) =>
        {
            if (!Duration.TryParse(parsed.GetValue(olderThan), out TimeSpan age))
            {
                return StoreAction.ErrorAsync(context, "cleanup", $"--older-than '{parsed.GetValue(olderThan)}' is not a duration (30d, 12h, 90m)");
            }

            if (parsed.GetValue(keepLast) < 0)
            {
                return StoreAction.ErrorAsync(context, "cleanup", "--keep-last must not be negative");
            }

            return StoreAction.RunAsync(parsed, context, "cleanup", async store =>
            {
                CleanupResult result = await store.CleanupAsync(context.Time.GetUtcNow() - age, parsed.GetValue(keepLast), ct).ConfigureAwait(false);
                await context.Console.Out.WriteLineAsync($"Deleted {result.DeletedRunIds.Count} runs and {result.DeletedLogFiles.Count} log files.").ConfigureAwait(false);
                return ExitCodes.Success;
            }, ct);
        });
        return command;
    }
}
