using Fanout.Inventory;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Validation;

namespace Fanout.Runs;

public sealed partial class RunService
{
    /// <summary>How workflow definitions are validated and bound: the validation options (configured channels) and where <c>--set-env</c> variables are read.</summary>
    public WorkflowPreparationOptions WorkflowPreparation { get; init; } = new();

    /// <summary>
    /// Runs (or resumes) a workflow through <paramref name="runner"/> as a run of this service: the run id comes from the
    /// one generator, and a cancel request stored by any process (<c>fanout cancel</c>, the API) cancels it like Ctrl-C.
    /// </summary>
    /// <exception cref="FanoutException">Resume without a store, or the run cannot be reopened.</exception>
    public async Task<WorkflowRunResult> ExecuteWorkflowAsync(WorkflowRunner runner, WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        request = request with { RunId = request.RunId ?? NewRunId() };
        if (Store is not { } store)
        {
            return await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
        }

        CancelRequestWatch watch = CancelRequestWatch.Start(store, request.RunId!, _recorderOptions.CancelPollInterval, _time, _logger, cancellationToken);
        await using (watch.ConfigureAwait(false))
        {
            // A cancel someone asked for (fanout cancel, the API) stays a cancel even while the server hands its runs over.
            Func<string?>? handedOver = request.HandedOver;
            request = request with { HandedOver = handedOver is null ? null : () => watch.Request is null ? handedOver() : null };
            return await runner.RunAsync(request, watch.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Turns a workflow <paramref name="definition"/> into what runs — the one place for the CLI (<c>fanout run</c>, <c>resume</c>,
    /// <c>retry</c>) and the server (<c>POST /api/workflows/run</c>, workflow batches and schedules, resume, retry): the file is validated,
    /// its parameters bound from the recorded inputs (<c>--set</c> values, <c>--set-file</c> paths and <c>--set-env</c> variables read now),
    /// and the inventory loaded when a step has <c>targets:</c>.
    /// </summary>
    /// <param name="definition">A definition of kind <c>workflow</c> (absolute file path).</param>
    /// <param name="secretsGivenAgain">For a resume or retry: the secret parameters given again (<c>KEY=VALUE</c>); a secret the run was given
    /// inline and that is not among them is an error naming it. <see langword="null"/> for a fresh run.</param>
    /// <param name="continuedRunId">The run resumed or retried (for the error message), or <see langword="null"/>.</param>
    /// <param name="loadInventory">False to skip loading the inventory (a dry run).</param>
    /// <param name="cancellationToken">Cancels loading.</param>
    public async Task<PreparedWorkflow> PrepareWorkflowAsync(RunDefinition definition, IReadOnlyList<string>? secretsGivenAgain, string? continuedRunId, bool loadInventory, CancellationToken cancellationToken)
    {
        PreparedWorkflow prepared = PrepareWorkflow(definition, secretsGivenAgain, continuedRunId);
        if (!loadInventory || prepared.Workflow is null || prepared.Errors.Count > 0 || !prepared.NeedsInventory)
        {
            return prepared;
        }

        if (prepared.Definition.Inventory.Count == 0)
        {
            return prepared with { Errors = ["the workflow has steps with targets: but no inventory was given (-i FILE, $FANOUT_INVENTORY or ./fanout.yaml)"] };
        }

        try
        {
            return prepared with { Inventory = await LoadInventoryAsync(prepared.Definition.Inventory, cancellationToken).ConfigureAwait(false) };
        }
        catch (InventoryException e)
        {
            return prepared with { Errors = [e.Message] };
        }
    }

    /// <summary>
    /// As <see cref="PrepareWorkflowAsync"/> without loading the inventory: validation and the binding of the recorded inputs, for a caller
    /// that holds its inventory itself (the server's cache) or needs none (a plan).
    /// </summary>
    public PreparedWorkflow PrepareWorkflow(RunDefinition definition, IReadOnlyList<string>? secretsGivenAgain = null, string? continuedRunId = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RecordedWorkflow recorded = definition.Workflow ?? throw new ArgumentException("the definition is not a workflow run", nameof(definition));
        WorkflowParseResult validated = WorkflowValidator.ValidateFile(recorded.File, WorkflowPreparation.Validation?.Invoke());
        var prepared = new PreparedWorkflow { Definition = definition, Diagnostics = validated.Diagnostics };
        if (validated.HasErrors)
        {
            return prepared;
        }

        WorkflowDefinition workflow = validated.Workflow!;
        if (secretsGivenAgain is not null)
        {
            // Secrets are never stored: one given inline must be given again; a recorded *** (older versions) never reaches a command.
            (IReadOnlyList<string> kept, IReadOnlyList<string> masked) = SecretReferences.Strip(workflow, recorded.Set);
            IReadOnlyList<string> missing = SecretReferences.Missing(recorded.InlineSecrets.Concat(masked), secretsGivenAgain);
            if (missing.Count > 0)
            {
                return prepared with { Workflow = workflow, MissingSecrets = missing, Errors = [SecretReferences.MissingMessage(continuedRunId ?? "?", missing)] };
            }

            recorded = recorded with { Set = [.. kept, .. secretsGivenAgain] };
            definition = definition with { Workflow = recorded };
        }

        var inputs = new ParameterInputs
        {
            Set = recorded.Set,
            SetFile = recorded.SetFile,
            SetEnv = recorded.SetEnv,
            Environment = recorded.Environment,
            ReadVariable = WorkflowPreparation.ReadVariable,
        };
        ParameterBindingResult binding = ParameterBinder.Bind(workflow, inputs, File.ReadAllText);
        prepared = prepared with { Definition = definition, Workflow = workflow, Binding = binding };
        return binding.Success ? prepared : prepared with { Errors = [.. binding.Errors.Select(e => SecretMasker.Apply(e, binding.SecretValues))] };
    }

    /// <summary>
    /// Plans the resume (<paramref name="retry"/> false: the same run continues) or the retry (a new run linked to it) of workflow run
    /// <paramref name="run"/>. Both skip the steps that succeeded and the fan-out targets that completed, and run the rest; a retry
    /// also runs again the failed targets of a step that succeeded within its <c>max_fail_percent</c>.
    /// </summary>
    private async Task<ContinuationPlan> PlanWorkflowAsync(RunRecord run, bool retry, RetrySelection selection, RunOverrides? overrides, CancellationToken cancellationToken)
    {
        if (run.Status is RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval)
        {
            // The store reports a run whose owner is gone as interrupted (one owner-liveness check): this one has a live owner.
            return new ContinuationPlan { Run = run, Error = $"run {run.RunId} is still {run.Status.ToWireName()} (owner pid {run.OwnerPid} on {run.OwnerHost})" };
        }

        if (retry && selection is RetrySelection.NotRun or RetrySelection.Unreachable)
        {
            return new ContinuationPlan { Run = run, Error = $"run {run.RunId} is a workflow run: its retry runs again what did not succeed (--failed or --all-unsuccessful, the default)" };
        }

        if (run.Status == RunStatus.Succeeded)
        {
            return new ContinuationPlan { Run = run, NothingToDo = $"run {run.RunId} already succeeded; nothing to do" };
        }

        RunDefinition definition;
        try
        {
            definition = run.Operation is null ? throw new FanoutException("no recorded definition") : RunDefinition.FromJson(run.Operation);
        }
        catch (FanoutException e)
        {
            return new ContinuationPlan { Run = run, Error = $"run {run.RunId} has no recorded workflow definition ({e.Message}); it cannot be run again" };
        }

        if (definition.Workflow is not { } recorded)
        {
            return new ContinuationPlan { Run = run, Error = $"run {run.RunId} has no recorded workflow definition; it cannot be run again" };
        }

        if (overrides is not null)
        {
            IReadOnlyList<string> wrong = overrides.Inapplicable("workflow");
            IReadOnlyList<string> invalid = overrides.Validate();
            if (wrong.Count > 0 || invalid.Count > 0)
            {
                return new ContinuationPlan
                {
                    Run = run,
                    Error = wrong.Count > 0 ? $"{string.Join(", ", wrong)} cannot apply to run {run.RunId} (a workflow run)" : string.Join("; ", invalid),
                };
            }

            // --parallel and --timeout mean for a workflow what they mean to `fanout run`: steps at once, overall time limit.
            definition = definition with
            {
                Workflow = recorded with
                {
                    Parallel = overrides.Parallel ?? recorded.Parallel,
                    Timeout = overrides.Timeout is { } t ? $"{(long)t.TotalMilliseconds}ms" : recorded.Timeout,
                },
            };
        }

        PreparedWorkflow prepared = await PrepareWorkflowAsync(definition, overrides?.Set ?? [], run.RunId, loadInventory: true, cancellationToken).ConfigureAwait(false);
        if (!prepared.Ready)
        {
            IEnumerable<string> problems = prepared.Diagnostics.Where(d => d.IsError).Select(d => d.ToString()).Concat(prepared.Errors);
            return new ContinuationPlan { Run = run, Workflow = prepared, Error = string.Join("; ", problems) };
        }

        WorkflowRunRequest request = prepared.ToRequest(runId: retry ? NewRunId() : run.RunId, resume: !retry, retryOf: retry ? run.RunId : null);
        return new ContinuationPlan { Run = run, Workflow = prepared, WorkflowRequest = request };
    }
}

/// <summary>How <see cref="RunService.PrepareWorkflowAsync"/> validates and binds.</summary>
public sealed record WorkflowPreparationOptions
{
    /// <summary>The validation options (configured notification channels and actions), or <see langword="null"/> for the defaults.</summary>
    public Func<WorkflowValidationOptions?>? Validation { get; init; }

    /// <summary>Reads the environment variable a <c>--set-env</c> input names. The default value reads this process's environment.</summary>
    public Func<string, string?> ReadVariable { get; init; } = Environment.GetEnvironmentVariable;
}
