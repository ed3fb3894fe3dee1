using System.CommandLine;
using Fanout.Operations;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout sync SRC DEST [selectors] [--delete] [--exclude-files GLOB]</c> (spec S3).</summary>
internal static class SyncCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("sync", "Push a local file or directory tree to every selected target");
        var source = new Argument<string>("SRC") { Description = "Local file or directory (a directory's contents go into DEST)" };
        var destination = new Argument<string>("DEST") { Description = "Absolute path on each target" };
        var delete = new Option<bool>("--delete") { Description = "Remove files under DEST that are not in SRC (excluded ones are kept)" };
        var exclude = new Option<string[]>("--exclude-files") { Description = "Leave out source paths matching this glob (repeatable; * within a name, ** across directories). --exclude selects targets, as in every command", HelpName = "GLOB" };
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.Options.Add(delete);
        command.Options.Add(exclude);
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
            };
            IReadOnlyList<string> errors = sync.Validate();
            return Task.FromResult(errors.Count > 0
                ? OperationOrError.Fail(string.Join("; ", errors))
                : new OperationOrError(new SyncOperation(sync), null));
        }, ct));
        return command;
    }
}
