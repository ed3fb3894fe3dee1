using System.CommandLine;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout resume RUN_ID</c> (SPEC H3) and <c>fanout retry RUN_ID [--failed|--not-run|--unreachable|--all-unsuccessful]</c> (SPEC X11):
/// a stored run runs again with its recorded definition, options and selection; changes of the inventory are reported.
/// </summary>
internal static class ContinueCommand
{
    public static Command CreateResume(CliContext context)
    {
        var command = new Command("resume", "Continue a failed, cancelled or interrupted run: completed targets are not run again, the rest (including what was running) are");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        command.Arguments.Add(runId);
        var options = new RenderOptions(command);
        var yes = new Option<bool>("--yes", "-y") { Description = "Workflow runs: run again steps that were running at the crash without asking" };
        command.Options.Add(yes);
        var set = new Option<string[]>("--set") { Description = "Workflow runs: a secret parameter given inline to the run, given again (secrets are never stored)", HelpName = "KEY=VALUE" };
        command.Options.Add(set);
        var overrides = new OverrideOptions(command);
        command.SetAction(async (parsed, ct) =>
        {
            (RunOverrides? given, string? inputError) = await overrides.GetAsync(parsed, context, ct).ConfigureAwait(false);
            if (given is null)
            {
                return await StoreAction.ErrorAsync(context, "resume", inputError!).ConfigureAwait(false);
            }

            return await StoreAction.RunAsync(parsed, context, "resume", async store =>
            {
                string id = parsed.GetValue(runId)!;
                RunOverrides withSecrets = given with { Set = parsed.GetValue(set) is { Length: > 0 } secrets ? secrets : null };
                if (OnlyForTargets(parsed, overrides, options) is { } option && await store.GetRunAsync(id, ct).ConfigureAwait(false) is { Kind: "workflow" })
                {
                    return await StoreAction.ErrorAsync(context, "resume", $"{option} cannot apply to run {id} (a workflow run)").ConfigureAwait(false);
                }

                // One planning for every kind of run (SPEC A9): a workflow run comes back with the engine's request.
                ContinuationPlan plan = await context.GetRunService(store).PlanResumeAsync(id, withSecrets, ct).ConfigureAwait(false);
                return plan.WorkflowRequest is { } workflow
                    ? await WorkflowAsync(context, "resume", overrides, parsed, options, workers => RunCommand.ExecuteAsync(context, store, plan.Workflow!, workflow, progress: false, parsed.GetValue(yes), parsed.GetValue(options.Output) == "json" ? "json" : "text", ssh: null, ct, workers: workers), ct).ConfigureAwait(false)
                    : await RunAsync(context, WithRecordedSsh(context, store, plan), plan, "resume", options, overrides, parsed, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    public static Command CreateRetry(CliContext context)
    {
        var command = new Command("retry", "Run the unsuccessful targets of an earlier run again, as a new run linked to it");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var failed = new Option<bool>("--failed") { Description = "Only targets that failed, timed out or were unreachable" };
        var unreachable = new Option<bool>("--unreachable") { Description = "Only targets that never got a session (refused, connect timeout, authentication, host key)" };
        var notRun = new Option<bool>("--not-run") { Description = "Only targets that never finished (not run, cancelled, interrupted)" };
        var all = new Option<bool>("--all-unsuccessful") { Description = "Every target that did not succeed (the default)" };
        command.Arguments.Add(runId);
        command.Options.Add(failed);
        command.Options.Add(notRun);
        command.Options.Add(unreachable);
        command.Options.Add(all);
        var set = new Option<string[]>("--set") { Description = "Workflow runs: a secret parameter given inline to the run, given again (secrets are never stored)", HelpName = "KEY=VALUE" };
        command.Options.Add(set);
        var options = new RenderOptions(command);
        var overrides = new OverrideOptions(command);
        command.SetAction(async (parsed, ct) =>
        {
            int chosen = (parsed.GetValue(failed) ? 1 : 0) + (parsed.GetValue(notRun) ? 1 : 0) + (parsed.GetValue(unreachable) ? 1 : 0) + (parsed.GetValue(all) ? 1 : 0);
            if (chosen > 1)
            {
                return await StoreAction.ErrorAsync(context, "retry", "choose one of --failed, --not-run, --unreachable, --all-unsuccessful").ConfigureAwait(false);
            }

            (RunOverrides? given, string? inputError) = await overrides.GetAsync(parsed, context, ct).ConfigureAwait(false);
            if (given is null)
            {
                return await StoreAction.ErrorAsync(context, "retry", inputError!).ConfigureAwait(false);
            }

            RetrySelection selection = parsed.GetValue(failed) ? RetrySelection.Failed : parsed.GetValue(notRun) ? RetrySelection.NotRun
                : parsed.GetValue(unreachable) ? RetrySelection.Unreachable : RetrySelection.AllUnsuccessful;
            return await StoreAction.RunAsync(parsed, context, "retry", async store =>
            {
                string id = parsed.GetValue(runId)!;
                RunOverrides withSecrets = given with { Set = parsed.GetValue(set) is { Length: > 0 } secrets ? secrets : null };
                if (OnlyForTargets(parsed, overrides, options) is { } option && await store.GetRunAsync(id, ct).ConfigureAwait(false) is { Kind: "workflow" })
                {
                    return await StoreAction.ErrorAsync(context, "retry", $"{option} cannot apply to run {id} (a workflow run)").ConfigureAwait(false);
                }

                ContinuationPlan plan = await context.GetRunService(store).PlanRetryAsync(id, selection, withSecrets, ct).ConfigureAwait(false);
                if (plan.WorkflowRequest is { } workflow)
                {
                    // A workflow retry is a new run linked to the first: what succeeded there is taken over, the rest runs again.
                    return await WorkflowAsync(context, "retry", overrides, parsed, options, workers => RunCommand.ExecuteAsync(context, store, plan.Workflow!, workflow, progress: false, yes: false, parsed.GetValue(options.Output) == "json" ? "json" : "text", ssh: null, ct, workers: workers), ct).ConfigureAwait(false);
                }

                Runs.RunService service = WithRecordedSsh(context, store, plan);
                if (plan.Request is { } request)
                {
                    plan = plan with { Request = request with { RunId = service.NewRunId() } };
                }

                return await RunAsync(context, service, plan, "retry", options, overrides, parsed, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The first given option that only applies to runs over targets (not to workflow runs), or null.</summary>
    private static string? OnlyForTargets(ParseResult parsed, OverrideOptions overrides, RenderOptions options) =>
        parsed.GetValue(overrides.OutputDir) is not null ? "--output-dir" : parsed.GetValue(options.Stream) ? "--stream" : null;

    /// <summary>A workflow run's continuation, in this process or, with <c>--on-workers</c>, with its fan-out steps on the cluster's workers.</summary>
    private static async Task<int> WorkflowAsync(CliContext context, string name, OverrideOptions overrides, ParseResult parsed, RenderOptions options,
        Func<Cluster.Dispatch.IRunDistributor?, Task<int>> execute, CancellationToken ct)
    {
        (Cluster.Hosting.ClusterSettings? cluster, _, string? clusterError) = overrides.Workers.Bind(parsed, context);
        return clusterError is not null ? await StoreAction.ErrorAsync(context, name, clusterError).ConfigureAwait(false)
            : cluster is null ? await execute(null).ConfigureAwait(false)
            : await CliSilo.RunAsync(context, name, cluster, null, parsed.GetValue(options.Quiet), workers => execute(workers), ct).ConfigureAwait(false);
    }

    /// <summary>The run service for executing a continuation: SSH connects as the recorded run did.</summary>
    private static Runs.RunService WithRecordedSsh(CliContext context, IRunStore store, ContinuationPlan plan) =>
        context.GetRunService(store, plan.Request?.Definition?.Ssh?.ToOptions());

    private static async Task<int> RunAsync(CliContext context, Runs.RunService service, ContinuationPlan plan, string name, RenderOptions options, OverrideOptions overrides, ParseResult parsed, CancellationToken ct)
    {
        TextWriter err = context.Console.Error;
        string? outputDir = parsed.GetValue(overrides.OutputDir);
        (Cluster.Hosting.ClusterSettings? cluster, _, string? clusterError) = overrides.Workers.Bind(parsed, context);
        if (clusterError is not null)
        {
            return await StoreAction.ErrorAsync(context, name, clusterError).ConfigureAwait(false);
        }

        foreach (string missing in plan.Missing)
        {
            await err.WriteLineAsync($"fanout {name}: warning: target '{missing}' is no longer in the inventory; it is not run").ConfigureAwait(false);
        }

        if (plan.Added.Count > 0)
        {
            await err.WriteLineAsync($"fanout {name}: warning: the selection now also matches {plan.Added.Count} target(s) the run did not have ({string.Join(", ", plan.Added.Take(10))}{(plan.Added.Count > 10 ? ", …" : string.Empty)}); they are not added").ConfigureAwait(false);
        }

        if (plan.Error is { } error)
        {
            return await StoreAction.ErrorAsync(context, name, error).ConfigureAwait(false);
        }

        if (cluster is null && plan.Request?.Definition?.WorkerLabels is { Count: > 0 } labels)
        {
            // Running the targets in this process would ignore where the run asked to run.
            return await StoreAction.ErrorAsync(context, name,
                $"the run asks for cluster workers labelled {Runs.WorkerLabels.Format(labels)}: {name} it with --on-workers, or through a clustered server (POST /api/runs/{{id}}/{(name == "retry" ? "retry" : "resume")})").ConfigureAwait(false);
        }

        if (cluster is not null && plan.Request is { } toLease && CliSilo.WhyNot(toLease.Definition, toLease.Options.Atomic) is { } kept)
        {
            return await StoreAction.ErrorAsync(context, name, kept).ConfigureAwait(false);
        }

        if (plan.Request is not { } request)
        {
            await context.Console.Out.WriteLineAsync(plan.NothingToDo ?? "Nothing to do.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        string verb = name == "resume" ? $"Resuming run {request.RunId}" : $"Retrying run {plan.Run!.RunId} as run {request.RunId}";
        string running = plan.WereRunning.Count > 0 ? $" ({plan.WereRunning.Count} were running when it stopped and run again)" : string.Empty;
        await err.WriteLineAsync($"{verb}: {request.Targets.Count} target(s){running}").ConfigureAwait(false);
        var reported = new ReportedRun(context, name);
        (string format, bool quiet, bool stream) = (parsed.GetValue(options.Output) ?? "table", parsed.GetValue(options.Quiet), parsed.GetValue(options.Stream));
        return cluster is null
            ? await reported.ExecuteAsync(service, request, format, quiet, outputDir, stream, ct).ConfigureAwait(false)
            : await CliSilo.RunAsync(context, name, cluster, request.Definition?.WorkerLabels, quiet,
                workers => reported.ExecuteAsync(service, workers.Distribute(request), format, quiet, outputDir, stream, ct), ct).ConfigureAwait(false);
    }

    /// <summary>Options of the run that resume and retry may change (issue 10 item 14); given ones replace the recorded ones.</summary>
    private sealed class OverrideOptions
    {
        private readonly RunOptions _run = new();

        public OverrideOptions(Command command)
        {
            _run.Parallel.Description = "How many targets run at once (workflow runs: steps at once). Default: as recorded";
            _run.Timeout.Description = "Time limit per target and attempt (workflow runs: overall). Default: as recorded";
            _run.Parallel.DefaultValueFactory = null;
            foreach (Option o in new Option[] { _run.Parallel, _run.Timeout, _run.OverallTimeout, _run.Retries, _run.RetryDelay, _run.FailFast, _run.OutputDir, Stdin })
            {
                command.Options.Add(o);
            }

            Workers.AddTo(command);
        }

        public Option<string?> OutputDir => _run.OutputDir;

        /// <summary><c>--on-workers</c> and the cluster options; the run's recorded worker labels are kept.</summary>
        public OnWorkersOptions Workers { get; } = new(withLabels: false);

        public Option<bool> Stdin { get; } = new("--stdin") { Description = "Feed this command's standard input to every target again (needed when the run used --stdin)" };

        public async Task<(RunOverrides?, string?)> GetAsync(ParseResult parsed, CliContext context, CancellationToken ct)
        {
            var overrides = new RunOverrides
            {
                Parallel = parsed.GetResult(_run.Parallel) is null ? null : parsed.GetValue(_run.Parallel),
                Timeout = parsed.GetResult(_run.Timeout) is null ? null : parsed.GetValue(_run.Timeout),
                OverallTimeout = parsed.GetResult(_run.OverallTimeout) is null ? null : parsed.GetValue(_run.OverallTimeout),
                Retries = parsed.GetResult(_run.Retries) is null ? null : parsed.GetValue(_run.Retries),
                RetryDelay = parsed.GetResult(_run.RetryDelay) is null ? null : parsed.GetValue(_run.RetryDelay),
                FailFast = parsed.GetValue(_run.FailFast) ? true : null,
                StandardInput = parsed.GetValue(Stdin) ? await StandardInput.ReadAsync(context, ct).ConfigureAwait(false) : (ReadOnlyMemory<byte>?)null,
            };
            IReadOnlyList<string> problems = overrides.Validate();
            return problems.Count > 0 ? (null, string.Join("; ", problems)) : (overrides, null);
        }
    }

    private sealed class RenderOptions
    {
        public RenderOptions(Command command)
        {
            command.Options.Add(Output);
            command.Options.Add(Quiet);
            command.Options.Add(Stream);
        }

        /// <summary>The same <c>--stream</c> as <c>exec</c> and <c>script</c>: live prefixed lines of the targets run again.</summary>
        public Option<bool> Stream { get; } = new RunOptions().Stream;

        public Option<string> Output { get; } = StoreAction.OutputOption("table", "json", "csv");

        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Show only the summary, no progress" };
    }
}
