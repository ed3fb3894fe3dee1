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
        var command = new Command("add", "Add a schedule: a workflow FILE, or what to run on the selected targets (--exec, --script, --sync or --lifecycle) with selectors");
        var file = new Argument<string?>("FILE") { Description = "The workflow file to run", Arity = ArgumentArity.ZeroOrOne };
        var exec = new Option<string?>("--exec") { Description = "Run this command line on the selected targets (as fanout exec)", HelpName = "COMMAND" };
        var script = new Option<string?>("--script") { Description = "Upload this local script to the selected targets and run it (as fanout script; its content is stored now)", HelpName = "FILE" };
        var scriptArgs = new Option<string[]>("--script-arg") { Description = "An argument for the --script script (repeatable, in order)", HelpName = "ARG" };
        var sync = new Option<string[]>("--sync") { Description = "Push local SRC to DEST on the selected targets (as fanout sync; SRC is read at every fire)", HelpName = "SRC DEST", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var delete = new Option<bool>("--delete") { Description = "--sync: remove entries under DEST that are not in SRC" };
        var excludeFiles = new Option<string[]>("--exclude-files") { Description = "--sync: leave out source paths matching this glob (repeatable)", HelpName = "GLOB" };
        var lifecycle = new Option<string?>("--lifecycle") { Description = "Run this lifecycle action of the targets' providers (as fanout start|stop|restart|status)", HelpName = "ACTION" };
        lifecycle.AcceptOnlyFromAmong("start", "stop", "restart", "status");
        var cron = new Option<string>("--cron") { Description = "When: 5 cron fields (minute hour day month weekday), or 6 with seconds first", Required = true, HelpName = "EXPR" };
        var set = new Option<string[]>("--set") { Description = "Workflow parameter values KEY=VALUE[,KEY=VALUE…] (a,b without '=' is a list), bound as fanout run binds them", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        var setFile = new Option<string[]>("--set-file") { Description = "Workflow parameter read from a file at every fire (the path is stored)", HelpName = "KEY=PATH" };
        var setEnv = new Option<string[]>("--set-env") { Description = "Workflow parameter read at every fire from an environment variable of fanout serve (the name is stored)", HelpName = "KEY=VARIABLE" };
        var environment = new Option<string?>("--env", "-e") { Description = "The workflow environment", HelpName = "ENV" };
        var name = new Option<string?>("--name") { Description = "The schedule name (default <workflow>-<env>-<daily|weekly|monthly|hourly|custom>)", HelpName = "NAME" };
        var tz = new Option<string>("--tz") { Description = "The IANA time zone the cron expression is read in", DefaultValueFactory = _ => "UTC", HelpName = "ZONE" };
        var overlap = new Option<bool>("--allow-overlap") { Description = "Allow a fire while the schedule's previous run still runs" };
        var parallel = new Option<int>("--parallel", "-p") { Description = "Targets at once (--exec, --script, --sync, --lifecycle)", DefaultValueFactory = _ => 10, HelpName = "N" };
        var timeout = new Option<string?>("--timeout") { Description = "Time limit per target (--exec, --script, --sync, --lifecycle; default 300s)", HelpName = "DURATION" };
        var selectors = new SelectorOptions();
        command.Arguments.Add(file);
        foreach (Option o in new Option[] { exec, script, scriptArgs, sync, delete, excludeFiles, lifecycle, cron, set, setFile, setEnv, environment, name, tz, overlap, parallel, timeout })
        {
            command.Options.Add(o);
        }

        selectors.AddTo(command);
        var what = new WhatOptions(exec, script, scriptArgs, sync, delete, excludeFiles, lifecycle);
        command.SetAction((parsed, ct) => AddAsync(context, parsed, ct, new AddOptions(file, what, cron, set, setFile, setEnv, environment, name, tz, overlap, parallel, timeout, selectors)));
        return command;
    }

    /// <summary>What a schedule of targets runs: one of --exec, --script, --sync, --lifecycle, with their own options.</summary>
    private sealed record WhatOptions(
        Option<string?> Exec, Option<string?> Script, Option<string[]> ScriptArgs, Option<string[]> Sync, Option<bool> Delete, Option<string[]> ExcludeFiles, Option<string?> Lifecycle)
    {
        /// <summary>How many of --exec, --script, --sync and --lifecycle were given.</summary>
        public int Count(ParseResult parsed) =>
            new[] { parsed.GetValue(Exec) is not null, parsed.GetValue(Script) is not null, parsed.GetResult(Sync) is not null, parsed.GetValue(Lifecycle) is not null }.Count(b => b);

        /// <summary>Options given that belong to a form that was not chosen (never accepted and ignored).</summary>
        public IEnumerable<string> Stray(ParseResult parsed)
        {
            if (parsed.GetValue(Script) is null && parsed.GetResult(ScriptArgs) is not null)
            {
                yield return "--script-arg applies to --script";
            }

            if (parsed.GetResult(Sync) is null && (parsed.GetValue(Delete) || parsed.GetResult(ExcludeFiles) is not null))
            {
                yield return "--delete and --exclude-files apply to --sync";
            }
        }

        /// <summary>Builds the definition of the chosen form through the factories the run commands use (exec, script, sync, lifecycle).</summary>
        public async Task<DefinitionOrError> DescribeAsync(ParseResult parsed, CliContext context, CancellationToken ct)
        {
            if (parsed.GetValue(Exec) is { } commandLine)
            {
                return string.IsNullOrWhiteSpace(commandLine) ? DefinitionOrError.Fail("--exec needs a command") : new DefinitionOrError(RunDefinition.ForCommandLine(commandLine), null);
            }

            if (parsed.GetValue(Script) is { } scriptFile)
            {
                return await ScriptCommand.LoadAsync(Path.GetFullPath(Path.Combine(context.CurrentDirectory, scriptFile)), parsed.GetValue(ScriptArgs) ?? [], ct).ConfigureAwait(false);
            }

            if (parsed.GetValue(Sync) is [string source, string destination])
            {
                var options = new Operations.SyncOptions
                {
                    Source = Path.GetFullPath(Path.Combine(context.CurrentDirectory, source)),
                    Destination = destination,
                    Delete = parsed.GetValue(Delete),
                    Excludes = parsed.GetValue(ExcludeFiles) ?? [],
                };
                IReadOnlyList<string> errors = options.Validate();
                return errors.Count > 0 ? DefinitionOrError.Fail(string.Join("; ", errors)) : new DefinitionOrError(RunDefinition.ForSync(options), null);
            }

            return Enum.TryParse(parsed.GetValue(Lifecycle), ignoreCase: true, out Operations.LifecycleAction action)
                ? new DefinitionOrError(RunDefinition.ForLifecycle(action), null)
                : DefinitionOrError.Fail("--lifecycle must be start, stop, restart or status");
        }
    }

    private sealed record AddOptions(
        Argument<string?> File, WhatOptions What, Option<string> Cron, Option<string[]> Set, Option<string[]> SetFile, Option<string[]> SetEnv, Option<string?> Environment, Option<string?> Name,
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
        int forms = o.What.Count(parsed);
        string[] sets = parsed.GetValue(o.Set) ?? [];
        string[] setFiles = parsed.GetValue(o.SetFile) ?? [];
        string[] setEnvs = parsed.GetValue(o.SetEnv) ?? [];
        string? env = parsed.GetValue(o.Environment);
        if ((file is null ? 0 : 1) + forms != 1)
        {
            return await StoreAction.ErrorAsync(context, Cmd, "give one of a workflow FILE, --exec COMMAND, --script FILE, --sync SRC DEST or --lifecycle ACTION").ConfigureAwait(false);
        }

        if (o.What.Stray(parsed).FirstOrDefault() is { } stray)
        {
            return await StoreAction.ErrorAsync(context, Cmd, stray).ConfigureAwait(false);
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

            // Validated and bound now exactly as `fanout run` would (the same validator and binder); fires bind the same arguments again.
            var inputs = new Workflows.Parameters.ParameterInputs
            {
                Set = sets,
                SetFile = [.. setFiles.Select(a => a.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq ? a[..(eq + 1)] + Path.GetFullPath(Path.Combine(context.CurrentDirectory, a[(eq + 1)..])) : a)],
                SetEnv = setEnvs,
                Environment = env,
                ReadVariable = context.GetEnvironmentVariable,
            };
            if (await CheckWorkflowAsync(context, file, full, inputs).ConfigureAwait(false) is { } invalid)
            {
                return invalid;
            }

            schedule = new ScheduleRecord
            {
                Name = parsed.GetValue(o.Name) ?? CronSchedule.DefaultName(Workflows.WorkflowParser.ParseFile(full).Workflow?.Name ?? Path.GetFileNameWithoutExtension(full), env, cron),
                Kind = "workflow",
                Definition = full,
                Cron = cron,
                TimeZone = zone,
                Parameters = inputs.ToArguments() is { Count: > 0 } arguments ? JsonSerializer.Serialize(arguments, StoreJsonSerializer.Options) : null,
                Environment = env,
                AllowOverlap = parsed.GetValue(o.Overlap),
                CreatedAt = now,
            };
        }
        else
        {
            if (sets.Length > 0 || setFiles.Length > 0 || setEnvs.Length > 0 || env is not null)
            {
                return await StoreAction.ErrorAsync(context, Cmd, "--set, --set-file, --set-env and -e apply to workflow schedules, not --exec, --script, --sync or --lifecycle").ConfigureAwait(false);
            }

            SelectionCriteria criteria = o.Selectors.GetCriteria(parsed);
            if (criteria.IsEmpty)
            {
                return await StoreAction.ErrorAsync(context, Cmd, "no targets selected: a schedule of targets needs selectors (--tag, --pattern, --regex, --group, --limit or --all)").ConfigureAwait(false);
            }

            DefinitionOrError described = await o.What.DescribeAsync(parsed, context, ct).ConfigureAwait(false);
            if (described.Definition is not { } what)
            {
                return await StoreAction.ErrorAsync(context, Cmd, described.Error ?? "invalid operation").ConfigureAwait(false);
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

            // The inventory, the selection and the operation are checked now, through the path a fire takes (a missing file, an
            // unknown group, a target without a lifecycle provider: exit 2, nothing stored).
            RunDefinition definition = what.Over(CliStore.Absolute(sources, context), criteria, options);
            try
            {
                (Operations.IOperation operation, Fanout.Inventory.TargetSet targets) = await context.GetRunService().ResolveAsync(definition, null, ct).ConfigureAwait(false);
                if (await o.Selectors.CheckAsync(parsed, context, Cmd, targets).ConfigureAwait(false) is { } strictError)
                {
                    return await StoreAction.ErrorAsync(context, Cmd, strictError).ConfigureAwait(false);
                }

                List<string> invalid = [.. targets.Select(operation.Validate).OfType<string>().Distinct(StringComparer.Ordinal).Take(5)];
                if (invalid.Count > 0)
                {
                    return await StoreAction.ErrorAsync(context, Cmd, string.Join("; ", invalid)).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is Fanout.Inventory.InventoryException or SelectionException or FanoutException)
            {
                return await StoreAction.ErrorAsync(context, Cmd, e.Message).ConfigureAwait(false);
            }

            schedule = new ScheduleRecord
            {
                Name = parsed.GetValue(o.Name) ?? CronSchedule.DefaultName(definition.Kind, null, cron),
                Kind = definition.Kind,
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

    /// <summary>
    /// Validates the workflow and binds its parameters as <c>fanout run</c> does; returns the exit code when it is refused.
    /// A secret given inline with <c>--set</c> is refused: schedules store references only (<c>--set-file</c>, <c>--set-env</c>).
    /// A <c>--set-env</c> variable that is not set here is read only at fire time (from the environment of <c>fanout serve</c>).
    /// </summary>
    private static async Task<int?> CheckWorkflowAsync(CliContext context, string file, string full, Workflows.Parameters.ParameterInputs inputs)
    {
        const string Cmd = "schedule add";
        Workflows.WorkflowParseResult validated = Workflows.Validation.WorkflowValidator.ValidateFile(full);
        foreach (Diagnostics.Diagnostic diagnostic in validated.Diagnostics)
        {
            await context.Console.Error.WriteLineAsync((diagnostic with { Position = diagnostic.Position with { File = file } }).ToString()).ConfigureAwait(false);
        }

        if (validated.HasErrors)
        {
            return ExitCodes.UsageError;
        }

        (_, IReadOnlyList<string> inline) = Workflows.Parameters.SecretReferences.Strip(validated.Workflow!, inputs.Set);
        if (inline.Count > 0)
        {
            return await StoreAction.ErrorAsync(context, Cmd, $"secret parameter(s) {string.Join(", ", inline.Select(n => $"'{n}'"))} given with --set: a schedule never stores secret values; give them with --set-file KEY=PATH or --set-env KEY=VARIABLE").ConfigureAwait(false);
        }

        HashSet<string> deferred = [.. inputs.SetEnv.Select(a => a.Split('=', 2)).Where(p => p.Length == 2 && context.GetEnvironmentVariable(p[1]) is null).Select(p => p[0])];
        Workflows.Parameters.ParameterBindingResult binding = Workflows.ParameterBinder.Bind(validated.Workflow!, inputs);
        List<string> errors = [.. binding.Errors.Where(e => !deferred.Any(k => e.StartsWith($"parameter '{k}'", StringComparison.Ordinal)))];
        foreach (string problem in errors)
        {
            await context.Console.Error.WriteLineAsync($"fanout {Cmd}: error: {Workflows.Parameters.SecretMasker.Apply(problem, binding.SecretValues)}").ConfigureAwait(false);
        }

        return errors.Count > 0 ? ExitCodes.UsageError : null;
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
        if (s.Kind == "workflow")
        {
            return $"workflow {s.Definition}";
        }

        try
        {
            string display = RunDefinition.FromJson(s.Definition).DisplayName;
            return s.Kind == "exec" ? "exec " + display : display;
        }
        catch (FanoutException)
        {
            return $"{s.Kind} (unreadable definition)";
        }
    }
}
