using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Fanout.Cli.Commands;
using Fanout.Inventory;

namespace Fanout.Cli;

/// <summary>Builds the <c>fanout</c> command tree and runs it, mapping parse errors to exit 2.</summary>
internal static class FanoutApp
{
    public static Command CreateRootCommand(CliContext context)
    {
        // A plain command named "fanout" rather than RootCommand, whose name is the host
        // executable's (testhost, dotnet) and would leak into help and errors.
        var root = new Command("fanout", "Fanout runs commands and scripts across fleets of targets, in parallel and safely.")
        {
            new HelpOption(),
            new VersionOption(),
            ExecCommand.Create(context),
            ScriptCommand.Create(context),
            TargetsCommand.Create(context),
            SyncCommand.Create(context),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Start),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Stop),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Restart),
            LifecycleCommand.Create(context, Operations.LifecycleAction.Status),
            InstanceCommand.Create(context),
            ValidateCommand.Create(context),
            PlanCommand.Create(context),
            RunCommand.Create(context),
            ApprovalCommand.Create(context, approve: true),
            ApprovalCommand.Create(context, approve: false),
            WorkflowsCommand.Create(context),
            TemplatesCommand.Create(context),
            CreateCommand.Create(context),
            TemplateCommand.Create(context),
            HistoryCommand.Create(context),
            ShowCommand.Create(context),
            LogsCommand.Create(context),
            ExportCommand.Create(context),
            CleanupCommand.Create(context),
            ContinueCommand.CreateRetry(context),
            ContinueCommand.CreateResume(context),
            CancelCommand.Create(context),
            BreakerCommand.Create(context),
            ScheduleCommand.Create(context),
            ServeCommand.Create(context),
            WorkerCommand.Create(context),
            ClusterCommand.Create(context),
            TokenCommand.Create(context),
            AuditCommand.Create(context),
        };
        root.Options.Add(CliStore.Option);
        MakeFlagsTakeNoValue(root);
        if (context.HelpWidth is { } width)
        {
            SetHelpWidth(root, width);
        }

        return root;
    }

    /// <summary>
    /// A boolean option is a flag: it takes no value, so <c>--yes true</c> keeps <c>true</c> as the
    /// command word and <c>-q false 'echo hi'</c> does not turn <c>-q</c> off.
    /// </summary>
    private static void MakeFlagsTakeNoValue(Command command)
    {
        foreach (Option option in command.Options)
        {
            if (option is Option<bool> flag)
            {
                flag.Arity = ArgumentArity.Zero;
            }
        }

        foreach (Command sub in command.Subcommands)
        {
            MakeFlagsTakeNoValue(sub);
        }
    }

    /// <summary>The full name of the command a parse ended in: <c>fanout token create</c>.</summary>
    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (SymbolResult? r = parsed.CommandResult; r is CommandResult c; r = c.Parent)
        {
            names.Insert(0, c.Command.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>"unknown command 'exce' (did you mean 'exec'?)" when the first word names no command.</summary>
    private static string? UnknownCommand(ParseResult parsed, Command root)
    {
        if (parsed.CommandResult.Command != root || parsed.UnmatchedTokens.Count == 0)
        {
            return null;
        }

        string word = parsed.UnmatchedTokens[0];
        if (word.StartsWith('-'))
        {
            return null;
        }

        return $"unknown command '{word}'{Suggestions.DidYouMean(word, root.Subcommands.Select(c => c.Name))}";
    }

    private static void SetHelpWidth(Command command, int width)
    {
        foreach (Option option in command.Options)
        {
            if (option is HelpOption { Action: HelpAction help })
            {
                help.MaxWidth = width;
            }
        }

        foreach (Command sub in command.Subcommands)
        {
            SetHelpWidth(sub, width);
        }
    }

    /// <summary>
    /// Commands with free positional words (<c>exec COMMAND…</c>, <c>script FILE ARGS…</c>) would
    /// swallow a mistyped option as a word; a word starting with '-' before <c>--</c> is reported as
    /// an unknown option instead, so typos never run.
    /// </summary>
    private static string? UnknownOptionInArguments(ParseResult parsed)
    {
        List<Token> tokens = [.. parsed.Tokens];
        int doubleDash = tokens.FindIndex(t => t.Type == TokenType.DoubleDash);
        foreach (ArgumentResult argument in parsed.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (Token token in argument.Tokens)
            {
                int index = tokens.IndexOf(token);
                if (token.Value.Length > 1 && token.Value[0] == '-' && (doubleDash < 0 || index < doubleDash))
                {
                    return $"unrecognized option '{token.Value}' (put -- before command words that start with '-')";
                }
            }
        }

        return null;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        Command root = CreateRootCommand(context);
        ParseResult parsed = root.Parse(args);
        string? problem = UnknownCommand(parsed, root) ?? (parsed.Errors.Count > 0 ? parsed.Errors[0].Message : UnknownOptionInArguments(parsed));
        if (problem is not null && parsed.Action is not HelpAction)
        {
            string where = CommandPath(parsed);
            string oneLine = string.Join(' ', problem.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await context.Console.Error.WriteLineAsync($"{where}: error: {oneLine} (see '{where} --help')").ConfigureAwait(false);
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
