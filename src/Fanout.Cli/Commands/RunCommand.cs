using System.CommandLine;
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
        var workers = new OnWorkersOptions(withLabels: false);
        workers.AddTo(command);
        command.SetAction((parsed, ct) =>
        {
            (Transports.Ssh.SshTransportOptions? sshOptions, string? sshError) = ssh.Get(parsed);
            if (sshOptions is null)
            {
                return StoreAction.ErrorAsync(context, "run", sshError!);
            }

            (Cluster.Hosting.ClusterSettings? cluster, _, string? clusterError) = workers.Bind(parsed, context);
            if (clusterError is not null || (cluster is not null && parsed.GetValue(dryRun)) || (cluster is not null && sshOptions.Password is not null))
            {
                return StoreAction.ErrorAsync(context, "run", clusterError ?? (sshOptions.Password is not null ? OnWorkersOptions.NoPassword : "--dry-run runs nothing: --on-workers does not apply"));
            }

            string Absolute(string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(context.CurrentDirectory, p));
            string typed = parsed.GetValue(file)!;
            IReadOnlyList<string> sources = parsed.GetValue(inventory) is { Length: > 0 } given ? given : DefaultSources(context);
            // What was asked, as it is recorded (SPEC A9): one versioned RunDefinition of kind workflow, paths absolute.
            var recorded = new RecordedWorkflow
            {
                File = Absolute(typed),
                Set = parsed.GetValue(set) ?? [],
                SetFile = [.. (parsed.GetValue(setFile) ?? []).Select(a => a.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq ? a[..(eq + 1)] + Absolute(a[(eq + 1)..]) : a)],
                SetEnv = parsed.GetValue(setEnv) ?? [],
                Environment = parsed.GetValue(environment),
                Parallel = parsed.GetValue(parallel),
                ContinueOnError = parsed.GetValue(continueOnError),
                Timeout = parsed.GetValue(timeout),
            };
            RunDefinition definition = RunDefinition.ForWorkflow(recorded, [.. sources.Select(Absolute)], RecordedSshOptions.From(sshOptions));
            return RunAsync(context, parsed, definition, typed, parsed.GetValue(dryRun), parsed.GetValue(progress), parsed.GetValue(yes), parsed.GetValue(output) ?? "text", sshOptions, parsed.GetValue(saveState), cluster, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parsed, RunDefinition definition, string typed, bool dryRun, bool progress, bool yes, string output, Transports.Ssh.SshTransportOptions ssh, bool saveState,
        Cluster.Hosting.ClusterSettings? onWorkers, CancellationToken ct)
    {
        const string Name = "run";
        TextWriter err = context.Console.Error;
        RecordedWorkflow recorded = definition.Workflow!;
        if (recorded.Parallel is <= 0)
        {
            return await StoreAction.ErrorAsync(context, Name, "--parallel must be at least 1").ConfigureAwait(false);
        }

        if (recorded.Timeout is { } t && (!Duration.TryParse(t, out TimeSpan d) || d <= TimeSpan.Zero))
        {
            return await StoreAction.ErrorAsync(context, Name, $"invalid --timeout '{t}' (use 30s, 5m, 2h)").ConfigureAwait(false);
        }

        // Validation, binding and the inventory: the run service's one preparation of a workflow (as resume, retry and the server use it).
        Runs.RunService service = context.GetRunService();
        PreparedWorkflow prepared = await service.PrepareWorkflowAsync(definition, secretsGivenAgain: null, continuedRunId: null, loadInventory: !dryRun, ct).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in prepared.Diagnostics)
        {
            await err.WriteLineAsync((diagnostic with { Position = diagnostic.Position with { File = typed } }).ToString()).ConfigureAwait(false);
        }

        if (prepared.Workflow is null || prepared.Diagnostics.Any(x => x.IsError))
        {
            return ExitCodes.UsageError;
        }

        if (prepared.Errors.Count > 0)
        {
            foreach (string problem in prepared.Errors)
            {
                await err.WriteLineAsync($"fanout {Name}: error: {problem}").ConfigureAwait(false);
            }

            return ExitCodes.UsageError;
        }

        if (dryRun)
        {
            WorkflowPlan plan = WorkflowPlanner.Build(prepared.Workflow, prepared.Binding!.Values);
            await context.Console.Out.WriteAsync(SecretMasker.Apply(PlanRenderer.ToText(plan), prepared.Binding.SecretValues)).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        (IRunStore? store, string? storeError) = await CliStore.OpenAsync(parsed, context, ct).ConfigureAwait(false);
        if (store is null)
        {
            return await StoreAction.ErrorAsync(context, Name, storeError ?? "cannot open the run store").ConfigureAwait(false);
        }

        await using (store.ConfigureAwait(false))
        {
            return onWorkers is null
                ? await ExecuteAsync(context, store, prepared, prepared.ToRequest(), progress, yes, output, ssh, ct, saveState).ConfigureAwait(false)
                : await CliSilo.RunAsync(context, Name, onWorkers, null, quiet: false,
                    workers => ExecuteAsync(context, store, prepared, prepared.ToRequest(), progress, yes, output, ssh, ct, saveState, workers), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a prepared workflow — a fresh run, a resume or a retry (<paramref name="request"/>) — with live progress, and writes the result.
    /// Exit 0 succeeded, 1 failed, 2 invalid input, 130 interrupted. With <paramref name="workers"/> (<c>--on-workers</c>) the
    /// fan-out steps lease their targets to the cluster's workers.
    /// </summary>
    internal static async Task<int> ExecuteAsync(CliContext context, IRunStore store, PreparedWorkflow prepared, WorkflowRunRequest request, bool progress, bool yes, string output, Transports.Ssh.SshTransportOptions? ssh, CancellationToken ct,
        bool saveState = false, Cluster.Dispatch.IRunDistributor? workers = null)
    {
        TextWriter err = context.Console.Error;
        string name = request.Resume ? "resume" : request.RetryOf is not null ? "retry" : "run";
        WorkflowDefinition workflow = prepared.Workflow!;
        RecordedWorkflow recorded = prepared.Definition.Workflow!;
        bool interactive = context.Console.IsInteractive;
        TimeSpan? typical = await TypicalDurationAsync(store, workflow.Name, ct).ConfigureAwait(false);
        bool live = context.Console.IsErrorTerminal && output == "text";
        bool plain = !live && (progress || output == "text");

        // Events are the spine: the step tree, the live bar and the plain lines all follow the run's one event stream.
        var tracker = new Events.ProgressTracker(context.Time);
        var steps = new StepTree(Paths(workflow.Steps, null), Leaves(workflow.Steps, null), typical);
        tracker.OnEvent(steps.OnEvent);
        if (saveState)
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
            Inventory = prepared.Inventory,
            // A fresh run uses the live options (with any password); a resume or retry the recorded, secret-free ones.
            Transports = Transports.BuiltInTransports.Create(ssh ?? prepared.Definition.Ssh?.ToOptions(), context.Time),
            TimeProvider = context.Time,
            MaxParallel = recorded.Parallel,
            ContinueOnError = recorded.ContinueOnError,
            Timeout = prepared.Timeout,
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
            // --on-workers: the fan-out steps' targets go to the workers, over the run's recorded inventory and SSH settings.
            TargetDispatcher = workers?.ForWorkflow(prepared.Definition),
        };
        var runner = new WorkflowRunner(options);
        if (!request.Resume && request.RetryOf is null)
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

        if (request.RetryOf is { } parent)
        {
            await err.WriteLineAsync($"Retrying run {parent} as run {request.RunId}: steps and targets that succeeded are not run again").ConfigureAwait(false);
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

    private static IEnumerable<string> Leaves(IEnumerable<WorkflowStep> steps, string? prefix) =>
        steps.SelectMany(s => s.IsGroup ? Leaves(s.Steps, Join(prefix, s.Name)) : [Join(prefix, s.Name)]);

    private static IEnumerable<string> Paths(IEnumerable<WorkflowStep> steps, string? prefix) =>
        steps.SelectMany(s => Paths(s.Steps, Join(prefix, s.Name)).Prepend(Join(prefix, s.Name)));

    private static string Join(string? prefix, string name) => prefix is null ? name : prefix + "/" + name;
}
