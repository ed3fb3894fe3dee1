using System.CommandLine;
using System.Text.Json;
using Fanout.Cli.Rendering;
using Fanout.Diagnostics;
using Fanout.Runs;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Planning;
using Fanout.Workflows.Validation;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout run FILE [--set …] [--set-file …] [-e ENV] [--dry-run] [--parallel N] [--continue-on-error] [--timeout D]
/// [--save-state] [--progress] [--yes] [--output text|json]</c> (SPEC W17): validates, binds parameters, checks
/// validation rules and prerequisites (exit 2, nothing runs), then runs the workflow with live progress, recording it.
/// Exit 0 succeeded, 1 failed, 2 invalid input, 130 interrupted.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("run", "Run a workflow file");
        var file = new Argument<string>("file") { Description = "Workflow YAML file" };
        var set = new Option<string[]>("--set") { Description = "Parameter values KEY=VALUE[,KEY=VALUE…] (a,b without '=' is a list)", HelpName = "KEY=VALUE" };
        var setFile = new Option<string[]>("--set-file") { Description = "Parameter value read from a file (the path is recorded, never the value)", HelpName = "KEY=PATH" };
        var setEnv = new Option<string[]>("--set-env") { Description = "Parameter value read from an environment variable (the name is recorded, never the value)", HelpName = "KEY=VARIABLE" };
        var environment = new Option<string?>("--env", "-e") { Description = "Sets the 'environment' parameter", HelpName = "ENV" };
        var inventory = new Option<string[]>("--inventory", "-i") { Description = "Inventory for steps with targets: (default $FANOUT_INVENTORY, else ./fanout.yaml)", HelpName = "FILE" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the plan (as fanout plan) and run nothing" };
        var parallel = new Option<int?>("--parallel") { Description = "At most N steps run at once", HelpName = "N" };
        var continueOnError = new Option<bool>("--continue-on-error") { Description = "Keep running independent steps after a failure" };
        var timeout = new Option<string?>("--timeout") { Description = "Overall time limit (30s, 5m, 2h)", HelpName = "DURATION" };
        var saveState = new Option<bool>("--save-state") { Description = "Print the run id to resume from (state is always saved)" };
        var progress = new Option<bool>("--progress") { Description = "Show live progress even when not on a terminal (plain lines)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var output = StoreAction.OutputOption("text", "json");
        foreach (Option o in new Option[] { set, setFile, setEnv, environment, inventory, dryRun, parallel, continueOnError, timeout, saveState, progress, yes, output })
        {
            command.Options.Add(o);
        }

        command.Arguments.Add(file);
        var ssh = new SshCliOptions();
        ssh.AddTo(command);
        command.SetAction((parsed, ct) =>
        {
            (Transports.Ssh.SshTransportOptions? sshOptions, string? sshError) = ssh.Get(parsed);
            return sshOptions is null ? StoreAction.ErrorAsync(context, "run", sshError!) : RunAsync(context, parsed, new WorkflowInvocation
        {
            File = parsed.GetValue(file)!,
            Set = parsed.GetValue(set) ?? [],
            SetFile = parsed.GetValue(setFile) ?? [],
            SetEnv = parsed.GetValue(setEnv) ?? [],
            Environment = parsed.GetValue(environment),
            Inventory = parsed.GetValue(inventory) ?? [],
            Parallel = parsed.GetValue(parallel),
            ContinueOnError = parsed.GetValue(continueOnError),
            Timeout = parsed.GetValue(timeout),
            SaveState = parsed.GetValue(saveState),
            Ssh = Runs.RecordedSshOptions.From(sshOptions),
        }, parsed.GetValue(dryRun), parsed.GetValue(progress), parsed.GetValue(yes), parsed.GetValue(output) ?? "text", resumeRunId: null, sshOptions, ct);
        });
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, ParseResult parsed, WorkflowInvocation invocation, bool dryRun, bool progress, bool yes, string output, string? resumeRunId, Transports.Ssh.SshTransportOptions? ssh, CancellationToken ct, IReadOnlyList<string>? resumeSet = null)
    {
        TextWriter err = context.Console.Error;
        string name = resumeRunId is null ? "run" : "resume";
        if (output is not ("text" or "json"))
        {
            return await StoreAction.ErrorAsync(context, name, $"unknown output format '{output}' (text, json)").ConfigureAwait(false);
        }

        if (invocation.Parallel is <= 0)
        {
            return await StoreAction.ErrorAsync(context, name, "--parallel must be at least 1").ConfigureAwait(false);
        }

        TimeSpan? timeout = null;
        if (invocation.Timeout is { } t)
        {
            if (!Duration.TryParse(t, out TimeSpan d) || d <= TimeSpan.Zero)
            {
                return await StoreAction.ErrorAsync(context, name, $"invalid --timeout '{t}' (use 30s, 5m, 2h)").ConfigureAwait(false);
            }

            timeout = d;
        }

        string path = Path.IsPathRooted(invocation.File) ? invocation.File : Path.Combine(context.CurrentDirectory, invocation.File);
        // The same config lookup as notification delivery: a channel configured there is not reported as unconfigured.
        Configuration.FanoutConfig config = CliConfig.ForRun(context);
        WorkflowParseResult validated = WorkflowValidator.ValidateFile(path, CliConfig.ValidationOptions(config));
        foreach (Diagnostic diagnostic in validated.Diagnostics)
        {
            await err.WriteLineAsync((diagnostic with { Position = diagnostic.Position with { File = invocation.File } }).ToString()).ConfigureAwait(false);
        }

        if (validated.HasErrors)
        {
            return ExitCodes.UsageError;
        }

        WorkflowDefinition workflow = validated.Workflow!;
        if (resumeRunId is not null)
        {
            // Secrets are never stored: one given inline must be given again; a recorded *** (older versions) never reaches a command.
            (IReadOnlyList<string> recorded, IReadOnlyList<string> masked) = SecretReferences.Strip(workflow, invocation.Set);
            IReadOnlyList<string> missing = SecretReferences.Missing(invocation.InlineSecrets.Concat(masked), resumeSet ?? []);
            if (missing.Count > 0)
            {
                return await StoreAction.ErrorAsync(context, name, SecretReferences.MissingMessage(resumeRunId, missing)).ConfigureAwait(false);
            }

            invocation = invocation with { Set = [.. recorded, .. resumeSet ?? []] };
        }

        string Resolve(string p) => File.ReadAllText(Path.IsPathRooted(p) ? p : Path.Combine(context.CurrentDirectory, p));
        ParameterBindingResult binding = ParameterBinder.Bind(workflow, new ParameterInputs { Set = invocation.Set, SetFile = invocation.SetFile, SetEnv = invocation.SetEnv, Environment = invocation.Environment, ReadVariable = context.GetEnvironmentVariable }, Resolve);
        if (!binding.Success)
        {
            foreach (string problem in binding.Errors)
            {
                await err.WriteLineAsync($"fanout {name}: error: {SecretMasker.Apply(problem, binding.SecretValues)}").ConfigureAwait(false);
            }

            return ExitCodes.UsageError;
        }

        if (dryRun)
        {
            WorkflowPlan plan = WorkflowPlanner.Build(workflow, binding.Values);
            await context.Console.Out.WriteAsync(SecretMasker.Apply(PlanRenderer.ToText(plan), binding.SecretValues)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        Inventory.Inventory? inventory = null;
        IReadOnlyList<string> sources = invocation.Inventory.Count > 0 ? invocation.Inventory : DefaultSources(context);
        bool needsTargets = Flatten(workflow.Steps).Any(s => s.Targets is not null);
        if (sources.Count > 0 && needsTargets)
        {
            try
            {
                inventory = await Fanout.Inventory.InventoryLoader.LoadAsync([.. sources.Select(s => Path.IsPathRooted(s) ? s : Path.Combine(context.CurrentDirectory, s))], ct).ConfigureAwait(false);
            }
            catch (Fanout.Inventory.InventoryException e)
            {
                return await StoreAction.ErrorAsync(context, name, e.Message).ConfigureAwait(false);
            }
        }
        else if (needsTargets)
        {
            return await StoreAction.ErrorAsync(context, name, "the workflow has steps with targets: but no inventory was given (-i FILE, $FANOUT_INVENTORY or ./fanout.yaml)").ConfigureAwait(false);
        }

        (IRunStore? store, string? storeError) = await CliStore.OpenAsync(parsed, context, ct).ConfigureAwait(false);
        if (store is null)
        {
            return await StoreAction.ErrorAsync(context, name, storeError ?? "cannot open the run store").ConfigureAwait(false);
        }

        await using (store.ConfigureAwait(false))
        {
            return await ExecuteAsync(context, store, workflow, binding, invocation with { File = Path.GetFullPath(path), Inventory = [.. sources.Select(s => Path.IsPathRooted(s) ? s : Path.GetFullPath(Path.Combine(context.CurrentDirectory, s)))] }, inventory, timeout, progress, yes, output, resumeRunId, ssh, ct).ConfigureAwait(false);
        }
    }

    private static async Task<int> ExecuteAsync(CliContext context, IRunStore store, WorkflowDefinition workflow, ParameterBindingResult binding, WorkflowInvocation invocation, Inventory.Inventory? inventory, TimeSpan? timeout, bool progress, bool yes, string output, string? resumeRunId, Transports.Ssh.SshTransportOptions? ssh, CancellationToken ct)
    {
        TextWriter err = context.Console.Error;
        string name = resumeRunId is null ? "run" : "resume";
        bool interactive = context.Console.IsInteractive;
        TimeSpan? typical = await TypicalDurationAsync(store, workflow.Name, ct).ConfigureAwait(false);
        bool live = context.Console.IsErrorTerminal && output == "text";
        bool plain = !live && (progress || output == "text");

        // Events are the spine: the step tree, the live bar and the plain lines all follow the run's one event stream.
        var tracker = new Events.ProgressTracker(context.Time);
        var steps = new StepTree(Paths(workflow.Steps, null), Leaves(workflow.Steps, null), typical);
        tracker.OnEvent(steps.OnEvent);
        if (invocation.SaveState)
        {
            // --save-state (the document's habit): every run's state is saved; this names the handle to resume it by.
            tracker.OnEvent(e =>
            {
                if (e is Events.RunStarted started)
                {
                    err.WriteLine($"workflow state saved as run {started.RunId}: 'fanout resume {started.RunId}' continues it if it stops");
                }
            });
        }

        Task consumer = plain ? PrintAsync(tracker.ReadAllAsync(CancellationToken.None), new PlainProgressWriter(err)) : Task.CompletedTask;
        var options = new WorkflowRunnerOptions
        {
            Store = store,
            Inventory = inventory,
            // A fresh run uses the live options (with any password); a resume the recorded, secret-free ones.
            Transports = Transports.BuiltInTransports.Create(ssh ?? invocation.Ssh?.ToOptions(), context.Time),
            TimeProvider = context.Time,
            MaxParallel = invocation.Parallel,
            ContinueOnError = invocation.ContinueOnError,
            Timeout = timeout,
            Notifier = WorkflowNotifierFactory.Create(context),
            Config = CliConfig.ForRun(context),
            Progress = tracker,
            ConfirmRerun = (step, _) => Task.FromResult(yes || (interactive && Confirm(context, $"Step '{step}' was running when the run stopped and is not marked idempotent. Run it again? [y/N] "))),
            // With a distinct approver required (approval: {distinct_approver: true}) the starter's terminal may only reject:
            // answering no leaves the step waiting for someone else's `fanout approve` (or the API).
            ApprovalPrompt = !interactive ? null
                : workflow.Approval?.DistinctApprover == true
                    ? (step, token) => Task.Run<bool?>(() => Confirm(context, $"Step '{step}' must be approved by someone other than you (approval: distinct_approver). Reject it? [y/N] ") ? false : null, token)
                    : (step, token) => Task.Run<bool?>(() => Confirm(context, $"Approve step '{step}'? [y/N] "), token),
        };
        var runner = new WorkflowRunner(options);
        var request = new WorkflowRunRequest
        {
            Workflow = workflow,
            Parameters = binding.Values,
            SecretValues = binding.SecretValues,
            RunId = resumeRunId,
            Resume = resumeRunId is not null,
            Definition = JsonSerializer.Serialize(Recordable(workflow, invocation), WorkflowInvocation.Json),
        };
        if (resumeRunId is null)
        {
            IReadOnlyList<string> problems = await runner.CheckAsync(request, ct).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                foreach (string problem in problems)
                {
                    await err.WriteLineAsync($"fanout {name}: error: {problem}").ConfigureAwait(false);
                }

                return ExitCodes.UsageError;
            }
        }

        Task<WorkflowRunResult> running = context.GetRunService(store).ExecuteWorkflowAsync(runner, request, ct);
        if (live)
        {
            await new LiveProgressDisplay(tracker, context.Time, steps, context.Notices).RunAsync(context.Console.CreateAnsiConsole(err), running, CancellationToken.None).ConfigureAwait(false);
        }

        WorkflowRunResult result;
        try
        {
            result = await running.ConfigureAwait(false);
        }
        catch (FanoutException e)
        {
            return await StoreAction.ErrorAsync(context, name, e.Message).ConfigureAwait(false);
        }
        finally
        {
            if (!tracker.Snapshot().Finished)
            {
                consumer = Task.CompletedTask; // the run never started: no stream to finish reading
            }
        }

        await consumer.ConfigureAwait(false);

        await WorkflowResultWriter.WriteAsync(context, result, output).ConfigureAwait(false);
        return result.Status switch
        {
            RunStatus.Succeeded => ExitCodes.Success,
            RunStatus.Cancelled => context.WasInterrupted() ? context.InterruptExitCode() : ExitCodes.Interrupted,
            _ when context.WasInterrupted() => context.InterruptExitCode(),
            _ => ExitCodes.TargetsFailed,
        };
    }

    /// <summary>The invocation as it is stored: secrets given inline are left out and named, never recorded (not even masked).</summary>
    private static WorkflowInvocation Recordable(WorkflowDefinition workflow, WorkflowInvocation invocation)
    {
        (IReadOnlyList<string> set, IReadOnlyList<string> inline) = SecretReferences.Strip(workflow, invocation.Set);
        return invocation with { Set = set, InlineSecrets = [.. invocation.InlineSecrets.Union(inline, StringComparer.Ordinal)] };
    }

    private static async Task PrintAsync(IAsyncEnumerable<Events.RunEvent> events, PlainProgressWriter plain)
    {
        await foreach (Events.RunEvent e in events.ConfigureAwait(false))
        {
            plain.OnEvent(e);
        }
    }

    private static bool Confirm(CliContext context, string question) =>
        context.Console.Ask(question)?.Trim().ToLowerInvariant() is "y" or "yes";

    private static IReadOnlyList<string> DefaultSources(CliContext context)
    {
        string? fromEnvironment = context.GetEnvironmentVariable("FANOUT_INVENTORY");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        string local = Path.Combine(context.CurrentDirectory, SelectorOptions.DefaultInventoryFile);
        return File.Exists(local) ? [local] : [];
    }

    private static async Task<TimeSpan?> TypicalDurationAsync(IRunStore store, string workflow, CancellationToken ct)
    {
        IReadOnlyList<RunRecord> earlier = await store.QueryRunsAsync(new RunQuery { Kind = "workflow", Name = workflow, Status = RunStatus.Succeeded, Limit = 5 }, ct).ConfigureAwait(false);
        List<TimeSpan> durations = [.. earlier.Where(r => r.EndedAt is not null).Select(r => r.EndedAt!.Value - r.StartedAt)];
        return durations.Count == 0 ? null : TimeSpan.FromTicks((long)durations.Average(d => d.Ticks));
    }

    private static IEnumerable<WorkflowStep> Flatten(IEnumerable<WorkflowStep> steps) => steps.SelectMany(s => Flatten(s.Steps).Prepend(s));

    private static IEnumerable<string> Leaves(IEnumerable<WorkflowStep> steps, string? prefix) =>
        steps.SelectMany(s => s.IsGroup ? Leaves(s.Steps, Join(prefix, s.Name)) : [Join(prefix, s.Name)]);

    private static IEnumerable<string> Paths(IEnumerable<WorkflowStep> steps, string? prefix) =>
        steps.SelectMany(s => Paths(s.Steps, Join(prefix, s.Name)).Prepend(Join(prefix, s.Name)));

    private static string Join(string? prefix, string name) => prefix is null ? name : prefix + "/" + name;
}
