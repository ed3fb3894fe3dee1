using System.CommandLine;
using System.Text.Json;
using Fanout.Cli.Rendering;
using Fanout.Runs;
using Fanout.Selection;
using Spectre.Console;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout schedule add|list|cancel</c> (SPEC H5). Schedules are fired by <c>fanout serve</c>.</summary>
internal static class ScheduleCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("schedule", "Manage schedules (fired by fanout serve)");
        command.Subcommands.Add(CreateAdd(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateCancel(context));
        return command;
    }

    private static Command CreateAdd(CliContext context)
    {
        var command = new Command("add", "Add a schedule: a workflow FILE, or a command with --exec and selectors");
        var file = new Argument<string?>("FILE") { Description = "The workflow file to run", Arity = ArgumentArity.ZeroOrOne };
        var exec = new Option<string?>("--exec") { Description = "Run this command line on the selected targets instead of a workflow", HelpName = "COMMAND" };
        var cron = new Option<string>("--cron") { Description = "When: 5 cron fields (minute hour day month weekday), or 6 with seconds first", Required = true, HelpName = "EXPR" };
        var set = new Option<string[]>("--set") { Description = "Workflow parameter KEY=VALUE (repeatable)", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        var environment = new Option<string?>("--env", "-e") { Description = "The workflow environment", HelpName = "ENV" };
        var name = new Option<string?>("--name") { Description = "The schedule name (default <workflow>-<env>-<daily|weekly|monthly|hourly|custom>)", HelpName = "NAME" };
        var tz = new Option<string>("--tz") { Description = "The IANA time zone the cron expression is read in", DefaultValueFactory = _ => "UTC", HelpName = "ZONE" };
        var overlap = new Option<bool>("--allow-overlap") { Description = "Allow a fire while the schedule's previous run still runs" };
        var parallel = new Option<int>("--parallel", "-p") { Description = "Targets at once (exec schedules)", DefaultValueFactory = _ => 10, HelpName = "N" };
        var timeout = new Option<string?>("--timeout") { Description = "Time limit per target (exec schedules; default 300s)", HelpName = "DURATION" };
        var selectors = new SelectorOptions();
        command.Arguments.Add(file);
        foreach (Option o in new Option[] { exec, cron, set, environment, name, tz, overlap, parallel, timeout })
        {
            command.Options.Add(o);
        }

        selectors.AddTo(command);
        command.SetAction((parsed, ct) => AddAsync(context, parsed, ct, new AddOptions(file, exec, cron, set, environment, name, tz, overlap, parallel, timeout, selectors)));
        return command;
    }

    private sealed record AddOptions(
        Argument<string?> File, Option<string?> Exec, Option<string> Cron, Option<string[]> Set, Option<string?> Environment, Option<string?> Name,
        Option<string> TimeZone, Option<bool> Overlap, Option<int> Parallel, Option<string?> Timeout, SelectorOptions Selectors);

    private static async Task<int> AddAsync(CliContext context, ParseResult parsed, CancellationToken ct, AddOptions o)
    {
        const string Cmd = "schedule add";
        string cron = parsed.GetValue(o.Cron)!;
        string zone = parsed.GetValue(o.TimeZone) ?? "UTC";
        IReadOnlyList<string> errors = CronSchedule.Validate(cron, zone);
        if (errors.Count > 0)
        {
            return await StoreAction.ErrorAsync(context, Cmd, string.Join("; ", errors)).ConfigureAwait(false);
        }

        string? file = parsed.GetValue(o.File);
        string? exec = parsed.GetValue(o.Exec);
        string[] sets = parsed.GetValue(o.Set) ?? [];
        string? env = parsed.GetValue(o.Environment);
        if ((file is null) == (exec is null))
        {
            return await StoreAction.ErrorAsync(context, Cmd, "give either a workflow FILE or --exec COMMAND").ConfigureAwait(false);
        }

        ScheduleRecord schedule;
        DateTimeOffset now = context.Time.GetUtcNow();
        if (file is not null)
        {
            string full = Path.GetFullPath(Path.Combine(context.CurrentDirectory, file));
            if (!File.Exists(full))
            {
                return await StoreAction.ErrorAsync(context, Cmd, $"workflow file '{file}' does not exist").ConfigureAwait(false);
            }

            if (sets.FirstOrDefault(s => !s.Contains('=', StringComparison.Ordinal)) is { } bad)
            {
                return await StoreAction.ErrorAsync(context, Cmd, $"--set '{bad}' is malformed: expected KEY=VALUE").ConfigureAwait(false);
            }

            schedule = new ScheduleRecord
            {
                Name = parsed.GetValue(o.Name) ?? CronSchedule.DefaultName(Path.GetFileNameWithoutExtension(full), env, cron),
                Kind = "workflow",
                Definition = full,
                Cron = cron,
                TimeZone = zone,
                Parameters = sets.Length == 0 ? null : JsonSerializer.Serialize(sets.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]), StoreJsonSerializer.Options),
                Environment = env,
                AllowOverlap = parsed.GetValue(o.Overlap),
                CreatedAt = now,
            };
        }
        else
        {
            if (sets.Length > 0 || env is not null)
            {
                return await StoreAction.ErrorAsync(context, Cmd, "--set and -e apply to workflow schedules, not --exec").ConfigureAwait(false);
            }

            SelectionCriteria criteria = o.Selectors.GetCriteria(parsed);
            if (criteria.IsEmpty)
            {
                return await StoreAction.ErrorAsync(context, Cmd, "no targets selected: --exec needs selectors (--tag, --pattern, --regex, --group, --limit or --all)").ConfigureAwait(false);
            }

            TimeSpan perTarget = TimeSpan.FromSeconds(300);
            if (parsed.GetValue(o.Timeout) is { } t && !Duration.TryParse(t, out perTarget))
            {
                return await StoreAction.ErrorAsync(context, Cmd, $"--timeout '{t}' is not a duration").ConfigureAwait(false);
            }

            var options = new Execution.ExecutionOptions { MaxConcurrency = parsed.GetValue(o.Parallel), Timeout = perTarget };
            IReadOnlyList<string> problems = [.. criteria.Validate(), .. options.Validate()];
            if (problems.Count > 0)
            {
                return await StoreAction.ErrorAsync(context, Cmd, string.Join("; ", problems)).ConfigureAwait(false);
            }

            IReadOnlyList<string>? sources = o.Selectors.GetSources(parsed, context);
            if (sources is null)
            {
                return await StoreAction.ErrorAsync(context, Cmd, "no inventory: pass -i PATH, set FANOUT_INVENTORY, or create ./fanout.yaml").ConfigureAwait(false);
            }

            RunDefinition definition = RunDefinition.ForCommandLine(exec!).Over(CliStore.Absolute(sources, context), criteria, options);
            schedule = new ScheduleRecord
            {
                Name = parsed.GetValue(o.Name) ?? CronSchedule.DefaultName("exec", null, cron),
                Kind = "exec",
                Definition = definition.ToJson(),
                Cron = cron,
                TimeZone = zone,
                Selectors = definition.SelectionJson(),
                Options = definition.OptionsJson(),
                AllowOverlap = parsed.GetValue(o.Overlap),
                CreatedAt = now,
            };
        }

        return await StoreAction.RunAsync(parsed, context, Cmd, async store =>
        {
            if (!await store.AddScheduleAsync(schedule, ct).ConfigureAwait(false))
            {
                return await StoreAction.ErrorAsync(context, Cmd, $"a schedule named '{schedule.Name}' exists (choose another --name, or cancel it first)").ConfigureAwait(false);
            }

            DateTimeOffset? next = CronSchedule.NextOccurrence(cron, zone, now);
            await context.Console.Out.WriteLineAsync($"Schedule '{schedule.Name}' added; next fire {StoreAction.Time(next)} (fired by fanout serve).").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct).ConfigureAwait(false);
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List schedules with their next fire time and last result");
        Option<string> output = StoreAction.OutputOption("table", "json");
        command.Options.Add(output);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "schedule list", async store =>
        {
            DateTimeOffset now = context.Time.GetUtcNow();
            var docs = (await store.GetSchedulesAsync(ct).ConfigureAwait(false)).Select(s => new ScheduleDocument(
                s.Name, s.Kind, Describe(s), s.Cron, s.TimeZone, s.AllowOverlap,
                CronSchedule.NextOccurrence(s.Cron, s.TimeZone, s.LastFireAt is { } l && l > now ? l : now), s.LastFireAt, s.LastRunId, s.LastResult)).ToList();
            if (parsed.GetValue(output) == "json")
            {
                await context.Console.Out.WriteLineAsync(JsonSerializer.Serialize(new ScheduleListDocument(docs), StoreJsonContext.Default.ScheduleListDocument)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (docs.Count == 0)
            {
                await context.Console.Out.WriteLineAsync("No schedules.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            foreach (string column in new[] { "Name", "Runs", "Cron", "Zone", "Next fire", "Last fire", "Last result" })
            {
                table.AddColumn(column);
            }

            foreach (ScheduleDocument d in docs)
            {
                table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.What), Markup.Escape(d.Cron), Markup.Escape(d.TimeZone), StoreAction.Time(d.NextFireAt),
                    StoreAction.Time(d.LastFireAt), Markup.Escape(d.LastResult is null ? "-" : $"{d.LastResult}{(d.LastRunId is null ? string.Empty : $" ({d.LastRunId})")}"));
            }

            context.Console.CreateAnsiConsole(context.Console.Out).Write(table);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command CreateCancel(CliContext context)
    {
        var command = new Command("cancel", "Delete a schedule");
        var name = new Argument<string>("NAME") { Description = "The schedule name" };
        command.Arguments.Add(name);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "schedule cancel", async store =>
        {
            string n = parsed.GetValue(name)!;
            if (!await store.DeleteScheduleAsync(n, ct).ConfigureAwait(false))
            {
                return await StoreAction.ErrorAsync(context, "schedule cancel", $"no schedule named '{n}'").ConfigureAwait(false);
            }

            await context.Console.Out.WriteLineAsync($"Schedule '{n}' cancelled.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    internal static string Describe(ScheduleRecord s)
    {
        if (s.Kind != "exec")
        {
            return $"workflow {s.Definition}";
        }

        try
        {
            return "exec " + RunDefinition.FromJson(s.Definition).DisplayName;
        }
        catch (FanoutException)
        {
            return "exec (unreadable definition)";
        }
    }
}
