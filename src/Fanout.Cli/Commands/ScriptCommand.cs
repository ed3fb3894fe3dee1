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
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        command.Arguments.Add(file);
        command.Arguments.Add(arguments);
        selectors.AddTo(command);
        options.AddTo(command);

        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(
            parsed,
            "script",
            token => LoadAsync(parsed.GetValue(file)!, parsed.GetValue(arguments) ?? [], token),
            ct));
        return command;
    }

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
