using System.CommandLine;
using Fanout.Diagnostics;
using Fanout.Workflows.Validation;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout validate FILE…</c>: parses and validates workflow files and prints one
/// <c>file:line:col: error|warning: message</c> line per finding (SPEC W17). Exit 2 on any error, else 0.
/// Notification channels are checked against Fanout's config file (an unconfigured one is a warning).
/// </summary>
internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("validate", "Check workflow files and report every error and warning with file:line:col");
        var files = new Argument<string[]>("file") { Description = "Workflow YAML files", Arity = ArgumentArity.OneOrMore };
        command.Arguments.Add(files);
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(files) ?? [], ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string[] files, CancellationToken cancellationToken)
    {
        TextWriter output = context.Console.Out;
        if (await CliConfig.LoadAsync(context, "validate").ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.UsageError;
        }

        WorkflowValidationOptions options = CliConfig.ValidationOptions(config);
        bool anyError = false;
        foreach (string file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.IsPathRooted(file) ? file : Path.Combine(context.CurrentDirectory, file);
            var result = WorkflowValidator.ValidateFile(path, options);
            foreach (Diagnostic diagnostic in result.Diagnostics)
            {
                // Positions name the file as the user wrote it, not the resolved absolute path.
                await output.WriteLineAsync((diagnostic with { Position = diagnostic.Position with { File = file } }).ToString()).ConfigureAwait(false);
            }

            int errors = result.Diagnostics.Count(d => d.IsError);
            int warnings = result.Diagnostics.Count - errors;
            anyError |= result.HasErrors;
            await context.Console.Error.WriteLineAsync(
                $"{file}: {(result.HasErrors ? "invalid" : "valid")} ({errors} error{(errors == 1 ? string.Empty : "s")}, {warnings} warning{(warnings == 1 ? string.Empty : "s")})").ConfigureAwait(false);
        }

        return anyError ? ExitCodes.UsageError : ExitCodes.Success;
    }
}
