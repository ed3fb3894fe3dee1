using System.CommandLine;
using Fanout.Operations;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout sync SRC DEST [selectors] [--delete] [--exclude-files GLOB] [--dry-run] [--force]</c> (spec S3).</summary>
internal static class SyncCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("sync", "Push a local file or directory tree to every selected target");
        var source = new Argument<string>("SRC") { Description = "Local file or directory (a directory's contents go into DEST)" };
        var destination = new Argument<string>("DEST") { Description = "Absolute path on each target" };
        var delete = new Option<bool>("--delete") { Description = "Remove entries under DEST that are not in SRC (excluded paths and everything under them are kept); asks for confirmation like stop" };
        var exclude = new Option<string[]>("--exclude-files") { Description = "Leave out source paths matching this glob (repeatable; * within a name, ** across directories); an excluded directory is neither copied nor deleted, with everything under it. --exclude selects targets, as in every command", HelpName = "GLOB" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list per target what would be copied, skipped and deleted; write nothing" };
        var force = new Option<bool>("--force") { Description = "Allow DEST to be / or a top-level system directory (/etc, /usr, /var, …)" };
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.Options.Add(delete);
        command.Options.Add(exclude);
        command.Options.Add(dryRun);
        command.Options.Add(force);
        selectors.AddTo(command);
        options.AddTo(command);

        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(parsed, "sync", _ =>
        {
            var sync = new SyncOptions
            {
                Source = parsed.GetValue(source)!,
                Destination = parsed.GetValue(destination)!,
                Delete = parsed.GetValue(delete),
                Excludes = parsed.GetValue(exclude) ?? [],
                DryRun = parsed.GetValue(dryRun),
                Force = parsed.GetValue(force),
            };
            IReadOnlyList<string> errors = sync.Validate();
            return Task.FromResult(errors.Count > 0
                ? DefinitionOrError.Fail(string.Join("; ", errors))
                : new DefinitionOrError(Runs.RunDefinition.ForSync(sync), null));
        }, ct, destructive: parsed.GetValue(delete) && !parsed.GetValue(dryRun)));
        return command;
    }
}
