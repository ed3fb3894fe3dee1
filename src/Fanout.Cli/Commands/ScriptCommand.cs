using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout script FILE [ARGS] [selectors] [options]</c>: upload a local script and run it on every target (SPEC X1).</summary>
internal static class ScriptCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("script", "Upload a local script to every selected target and run it with arguments");
        var file = new Argument<string>("file") { Description = "The local script (a #! line picks its interpreter; else sh)" };
        var arguments = new Argument<string[]>("args")
        {
            Description = "Arguments for the script. Put -- before arguments that start with '-'",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var stdin = new Option<bool>("--stdin") { Description = "Read standard input to its end and feed it to the script on every target (like pssh -I)" };
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        command.Arguments.Add(file);
        command.Arguments.Add(arguments);
        command.Options.Add(stdin);
        selectors.AddTo(command);
        options.AddTo(command);
        command.Options.Add(options.Stream);

        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(
            parsed,
            "script",
            async token => WithStdin(await LoadAsync(parsed.GetValue(file)!, parsed.GetValue(arguments) ?? [], token).ConfigureAwait(false), parsed.GetValue(stdin)),
            ct));
        return command;
    }

    public static DefinitionOrError WithStdin(DefinitionOrError loaded, bool stdin) =>
        loaded.Definition is { } d ? loaded with { Definition = d with { Stdin = stdin } } : loaded;

    public static async Task<DefinitionOrError> LoadAsync(string path, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            byte[] content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return new DefinitionOrError(RunDefinition.ForScript(path, content, arguments), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DefinitionOrError.Fail($"cannot read script '{path}': {e.Message}");
        }
    }
}
