using System.CommandLine;
using System.CommandLine.Help;
using Fanout.Cli.Commands;

namespace Fanout.Cli;

/// <summary>Builds the <c>fanout</c> command tree and runs it, mapping parse errors to exit 2.</summary>
internal static class FanoutApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("Fanout runs commands and scripts across fleets of targets, in parallel and safely.")
        {
            ExecCommand.Create(context),
            ScriptCommand.Create(context),
            TargetsCommand.Create(context),
            SyncCommand.Create(context),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Start),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Stop),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Restart),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Status),
        };
        if (context.HelpWidth is { } width)
        {
            foreach (Option option in root.Options)
            {
                if (option is HelpOption { Action: HelpAction help })
                {
                    help.MaxWidth = width;
                }
            }
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        RootCommand root = CreateRootCommand(context);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            string where = parsed.CommandResult.Command == root ? "fanout" : "fanout " + parsed.CommandResult.Command.Name;
            await context.Console.Error.WriteLineAsync($"{where}: error: {parsed.Errors[0].Message} (see '{where} --help')").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = context.Console.Out,
            Error = context.Console.Error,
            // Ctrl-C is handled by Program (first cancels gracefully, second forces), not by the parser.
            ProcessTerminationTimeout = null,
        };
        return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
