using System.CommandLine;
using System.Text.Json;
using Fanout.Cli.Rendering;
using Fanout.Instances;
using Fanout.Inventory;
using Fanout.Selection;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout instance start|prompt|pause|resume|kill|preview|chain|list [selectors]</c>: operations on agent
/// instances (SPEC I1–I2, docs/instances.md) through the same acting path as every command — selection,
/// confirmation, waves, parallelism, retries, <c>--atomic</c>, progress, history and output formats.
/// </summary>
internal static class InstanceCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("instance", "Operate fleets of agent instances: programs in tmux sessions, each in its own git worktree and branch");
        command.Subcommands.Add(Acting(context, "start", "Create each instance's worktree and branch and start its program in a tmux session (rolled back by kill under --atomic)", _ => InstanceOperation.Start()));
        command.Subcommands.Add(Prompt(context));
        command.Subcommands.Add(Acting(context, "pause", "Commit each instance's changes, stop its session and remove its worktree; the branch stays (rolled back by resume under --atomic)", _ => InstanceOperation.Pause()));
        command.Subcommands.Add(Acting(context, "resume", "Recreate each paused instance's worktree from its branch and restart its program (rolled back by pause under --atomic)", _ => InstanceOperation.Resume()));
        command.Subcommands.Add(Acting(context, "kill", "Stop each instance's session and remove its worktree; the branch stays (asks for confirmation)", _ => InstanceOperation.Kill(), destructive: true));
        command.Subcommands.Add(Acting(context, "preview", "Capture the current text of each running instance's pane as its output", _ => InstanceOperation.Preview()));
        command.Subcommands.Add(Chain(context));
        command.Subcommands.Add(List(context));
        return command;
    }

    private static Command Acting(CliContext context, string name, string description, Func<ParseResult, Operations.IOperation> create, bool destructive = false, Action<Command>? configure = null)
    {
        var command = new Command(name, description);
        configure?.Invoke(command);
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        selectors.AddTo(command);
        options.AddTo(command, onWorkers: false);
        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(parsed, "instance " + name, _ =>
        {
            try
            {
                return Task.FromResult(new DefinitionOrError(null, null, create(parsed)));
            }
            catch (FormatException e)
            {
                return Task.FromResult(DefinitionOrError.Fail(e.Message));
            }
        }, ct, destructive));
        return command;
    }

    private static Command Prompt(CliContext context)
    {
        var text = new Argument<string>("TEXT") { Description = "The prompt typed into each instance's session, followed by Enter" };
        return Acting(context, "prompt", "Send a prompt to each running instance", parsed =>
        {
            string value = parsed.GetValue(text) ?? string.Empty;
            return string.IsNullOrWhiteSpace(value) ? throw new FormatException("the prompt must not be empty") : InstanceOperation.Prompt(value);
        }, configure: c => c.Arguments.Add(text));
    }

    private static Command Chain(CliContext context)
    {
        var steps = new Argument<string[]>("STEP") { Description = "Steps in order: start, pause, resume, kill, preview or prompt:TEXT", Arity = ArgumentArity.OneOrMore };
        return Acting(context, "chain", "Run several instance steps in order on each instance, validating each step before it runs and stopping that instance's chain at the first failure", parsed =>
            new InstanceChain((parsed.GetValue(steps) ?? []).Select(InstanceOperation.Parse)), configure: c => c.Arguments.Add(steps));
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "List the selected instances with their state (not-started, running, paused, exited), branch, worktree and session; no selector lists all");
        var selectors = new SelectorOptions();
        var output = new Option<string>("--output", "-o") { Description = "Output format", DefaultValueFactory = _ => "table", HelpName = "table|json" };
        output.AcceptOnlyFromAmong("table", "json");
        selectors.AddTo(command);
        command.Options.Add(output);
        command.SetAction(async (parsed, ct) =>
        {
            TextWriter error = context.Console.Error;
            SelectionCriteria criteria = selectors.GetCriteria(parsed);
            criteria = criteria.IsEmpty ? criteria with { All = true } : criteria;
            IReadOnlyList<string> problems = criteria.Validate();
            IReadOnlyList<string>? sources = selectors.GetSources(parsed, context);
            if (problems.Count > 0 || sources is null)
            {
                await error.WriteLineAsync("fanout instance list: error: " + (sources is null ? "no inventory: pass -i PATH, set FANOUT_INVENTORY, or create ./fanout.yaml" : string.Join("; ", problems))).ConfigureAwait(false);
                return ExitCodes.UsageError;
            }

            TargetSet targets;
            try
            {
                targets = await context.GetRunService().SelectTargetsAsync(sources, criteria, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InventoryException or SelectionException)
            {
                await error.WriteLineAsync("fanout instance list: error: " + e.Message).ConfigureAwait(false);
                return ExitCodes.UsageError;
            }

            List<InstanceRow> rows = [.. targets.Where(t => t.Instance is not null).Select(t => new InstanceRow(
                t.Name, InstanceControl.GetState(t.Instance!).ToWireName(), t.Instance!.Branch, t.Instance.Worktree, t.Instance.Session, t.Instance.Repository))];
            TextWriter o = context.Console.Out;
            if (parsed.GetValue(output) == "json")
            {
                await o.WriteLineAsync(JsonSerializer.Serialize(rows, CliJsonContext.Default.ListInstanceRow)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            int w = Math.Max(5, rows.Count == 0 ? 0 : rows.Max(r => r.Title.Length));
            int b = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Branch.Length));
            await o.WriteLineAsync($"{"TITLE".PadRight(w)}  {"STATE",-11}  {"BRANCH".PadRight(b)}  WORKTREE").ConfigureAwait(false);
            foreach (InstanceRow r in rows)
            {
                await o.WriteLineAsync($"{r.Title.PadRight(w)}  {r.State,-11}  {r.Branch.PadRight(b)}  {r.Worktree}").ConfigureAwait(false);
            }

            await o.WriteLineAsync($"{rows.Count} instances").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>One line of <c>fanout instance list</c>.</summary>
internal sealed record InstanceRow(string Title, string State, string Branch, string Worktree, string Session, string Repository);
