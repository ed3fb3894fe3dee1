using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout exec COMMAND [selectors] [options]</c> and <c>fanout exec --script FILE [ARGS]</c> (SPEC X1).</summary>
internal static class ExecCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("exec", "Run a command on every selected target");
        var words = new Argument<string[]>("command")
        {
            Description = "The command line (run with sh -c; a plain program with literal arguments is started directly). With --script: the script's arguments. Put -- before words that start with '-'",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var noShell = new Option<bool>("--no-shell") { Description = "Start the words as a program and its arguments, without a shell" };
        var shell = new Option<string>("--shell")
        {
            Description = "The shell that runs the command line",
            DefaultValueFactory = _ => "sh",
            HelpName = "SHELL",
        };
        var script = new Option<string?>("--script")
        {
            Description = "Upload this local script to each target and run it with the given arguments",
            HelpName = "FILE",
        };
        var stdin = new Option<bool>("--stdin") { Description = "Read standard input to its end and feed it to the command on every target (like pssh -I)" };
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        command.Arguments.Add(words);
        command.Options.Add(noShell);
        command.Options.Add(shell);
        command.Options.Add(script);
        command.Options.Add(stdin);
        selectors.AddTo(command);
        options.AddTo(command);
        command.Options.Add(options.Stream);

        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(parsed, "exec", async token =>
        {
            string[] argv = parsed.GetValue(words) ?? [];
            if (parsed.GetValue(script) is { } file)
            {
                return ScriptCommand.WithStdin(await ScriptCommand.LoadAsync(file, argv, token).ConfigureAwait(false), parsed.GetValue(stdin));
            }

            if (argv.Length == 0 || argv.All(string.IsNullOrWhiteSpace))
            {
                return DefinitionOrError.Fail("missing COMMAND (or --script FILE)");
            }

            string shellName = parsed.GetValue(shell) ?? "sh";
            RunDefinition definition = parsed.GetValue(noShell)
                ? RunDefinition.ForArgv(argv)
                : argv.Length == 1 ? RunDefinition.ForCommandLine(argv[0], shellName) : RunDefinition.ForShellWords(argv, shellName);
            return new DefinitionOrError(definition with { Stdin = parsed.GetValue(stdin) }, null);
        }, ct));
        return command;
    }
}
