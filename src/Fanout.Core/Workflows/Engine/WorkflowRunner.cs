using Fanout.Events;
using Fanout.Execution;
using Fanout.Expressions;
using Fanout.Runs;
using Fanout.Transports;
using Fanout.Transports.Local;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Runs validated workflows (SPEC W): checks <c>validation</c> rules and <c>prerequisites</c>, then runs the steps —
/// sequential top level, parallel groups with limits, <c>depends_on</c> DAGs, priorities, resource admission,
/// conditions, timeouts, retries, hooks, outputs, fan-out over targets, circuit breakers, approvals, rollback —
/// records everything in the store (masked) and reports a <see cref="WorkflowRunResult"/>. Failures are data;
/// only cancellation of <c>cancellationToken</c> is reported as <see cref="RunStatus.Cancelled"/> (never thrown).
/// </summary>
public sealed class WorkflowRunner
{
    private readonly WorkflowRunnerOptions _options;

    /// <summary>Creates a runner.</summary>
    /// <param name="options">How workflows run. The default value runs locally, records nothing.</param>
    public WorkflowRunner(WorkflowRunnerOptions? options = null)
    {
        _options = options ?? new WorkflowRunnerOptions();
    }

    /// <summary>
    /// Checks the workflow's <c>validation</c> rules and <c>prerequisites</c> (SPEC W5) without running steps.
    /// </summary>
    /// <returns>One message per failed rule or prerequisite (masked); empty when the run may start.</returns>
    public async Task<IReadOnlyList<string>> CheckAsync(WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        WorkflowDefinition workflow = request.Workflow;
        var problems = new List<string>();
        WorkflowContextResult built = WorkflowContextBuilder.Build(workflow, request.Parameters, new Dictionary<string, object?>
        {
            ["run_id"] = request.RunId ?? string.Empty,
            ["workflow_id"] = workflow.Name,
            ["outputs"] = new Dictionary<string, object?>(),
            ["steps"] = new Dictionary<string, object?>(),
        });
        problems.AddRange(built.Errors.Select(e => e.ToString()));
        if (problems.Count > 0)
        {
            return Masked(problems, request);
        }

        foreach (ValidationRule rule in workflow.Validation)
        {
            TemplateParseResult parsed = Template.ParseExpression(rule.Expression.Text, rule.Expression.Origin);
            TemplateResult result = parsed.Success ? parsed.Template!.Evaluate(built.Context) : new TemplateResult(null, null, parsed.Error);
            if (!result.Success)
            {
                problems.Add($"validation '{rule.Name}': {result.Error}");
            }
            else if (!TemplateValues.IsTruthy(result.Value))
            {
                string message = rule.Message is { } m && Template.Parse(m.Text, m.Origin) is { Success: true } t && t.Template!.Render(built.Context) is { Success: true } r
                    ? r.Text!
                    : $"'{rule.Expression.Text}' is false";
                problems.Add($"validation '{rule.Name}' failed: {message}");
            }
        }

        if (problems.Count > 0)
        {
            return Masked(problems, request);
        }

        TransportRegistry transports = _options.Transports ?? BuiltInTransports.Create(timeProvider: _options.TimeProvider);
        await using var sessions = new SessionScope(transports, _options.Logger);
        IStepExecutor executor = _options.StepExecutor ?? new TransportStepExecutor(transports, sessions, _options.TimeProvider ?? TimeProvider.System, Logger, _options.TargetDispatcher);
        using var spills = new SpillCleanup(executor);
        foreach (Prerequisite prerequisite in workflow.Prerequisites)
        {
            TemplateParseResult parsed = Template.Parse(prerequisite.Command.Text, prerequisite.Command.Origin);
            TemplateResult command = parsed.Success ? parsed.Template!.Render(built.Context, RenderMode.Shell) : new TemplateResult(null, null, parsed.Error);
            if (!command.Success)
            {
                problems.Add($"prerequisite '{prerequisite.Name}': {command.Error}");
                continue;
            }

            StepExecution run = await executor.ExecuteAsync(new StepInvocation { RunId = request.RunId ?? "prerequisites", Path = "prerequisites/" + prerequisite.Name, Command = command.Text, Timeout = TimeSpan.FromMinutes(5) }, cancellationToken).ConfigureAwait(false);
            if (run.State != StepState.Succeeded)
            {
                problems.Add($"prerequisite '{prerequisite.Name}' failed: {run.Error ?? run.State.ToWireName()}{(string.IsNullOrWhiteSpace(run.Stderr) ? string.Empty : " (" + run.Stderr.Trim() + ")")}");
            }
        }

        return Masked(problems, request);
    }

    /// <summary>
    /// Records a new run <see cref="RunStatus.Queued"/> (its units planned, owned by this process, no lease) before it starts in the
    /// background, so that an accepted run is visible and durable at once: if this process dies first, the run is <c>interrupted</c>
    /// and resumable, never unknown. Start it with <see cref="RunAsync"/> and <see cref="WorkflowRunRequest.Queued"/> set.
    /// </summary>
    /// <exception cref="InvalidOperationException">No store, a resume, or no run id.</exception>
    public Task RecordQueuedAsync(WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IRunStore store = _options.Store ?? throw new InvalidOperationException("recording a queued run needs a run store");
        string runId = request.RunId ?? throw new InvalidOperationException("a queued run needs its run id");
        if (request.Resume)
        {
            throw new InvalidOperationException("a resume continues its recorded run");
        }

        IReadOnlyList<string> units = WorkflowExecution.PlanUnits(request.Workflow, _options.Inventory);
        RunRecord record = NewRunRecord(request, runId, units.Count, _options.TimeProvider ?? TimeProvider.System) with { Status = RunStatus.Queued, LeaseExpiresAt = null };
        return store.CreateRunAsync(record, [.. units.Select(u => new RunTargetRecord(u, 1))], cancellationToken);
    }

    private RunRecord NewRunRecord(WorkflowRunRequest request, string runId, int units, TimeProvider time) => new()
    {
        RunId = runId,
        Kind = "workflow",
        Name = request.Workflow.Name,
        Actor = request.Actor ?? RunService.DefaultActor,
        Parameters = SecretMasker.Apply(TemplateValues.ToJson(MaskSecrets(request)), request.SecretValues),
        Operation = request.Definition is null ? null : SecretMasker.Apply(request.Definition, request.SecretValues),
        ParentRunId = request.RetryOf,
        Options = RunEventPayload.Write(new { _options.MaxParallel, _options.ContinueOnError, TimeoutMs = _options.Timeout?.TotalMilliseconds }),
        StartedAt = time.GetUtcNow(),
        OwnerHost = Environment.MachineName,
        OwnerPid = Environment.ProcessId,
        Counts = RunCounts.Empty with { Total = units },
    };

    /// <summary>Runs (or, with <see cref="WorkflowRunRequest.Resume"/>, continues) a workflow.</summary>
    /// <exception cref="FanoutException">Resume without a store, or the run cannot be reopened (unknown or still running).</exception>
    public async Task<WorkflowRunResult> RunAsync(WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TimeProvider time = _options.TimeProvider ?? TimeProvider.System;
        string runId = request.RunId ?? NewRunId(time);
        TransportRegistry transports = _options.Transports ?? BuiltInTransports.Create(timeProvider: _options.TimeProvider);
        await using var sessions = new SessionScope(transports, _options.Logger);
        IStepExecutor executor = _options.StepExecutor ?? new TransportStepExecutor(transports, sessions, time, Logger, _options.TargetDispatcher);
        using var spills = new SpillCleanup(executor); // recorded by then: the store's log files hold the exact bytes
        IRunStore? store = _options.Store;
        if (store is null && (request.Resume || request.RetryOf is not null))
        {
            throw new FanoutException($"{(request.Resume ? "resuming" : "retrying")} a workflow run needs a run store");
        }

        request = request with { RunId = runId };
        ResumePlan? resume = null;
        var completed = new Dictionary<string, TargetAttemptRecord>(StringComparer.Ordinal);
        var recorderOptions = new RunRecorderOptions { LeaseRenewInterval = _options.LeaseRenewInterval };
        if (store is not null && request.Resume)
        {
            if (!await store.ReopenRunAsync(runId, Environment.MachineName, Environment.ProcessId, time.GetUtcNow() + recorderOptions.LeaseDuration, cancellationToken).ConfigureAwait(false))
            {
                throw new FanoutException($"run {runId} cannot be resumed: it is unknown or still running");
            }

            resume = await RunContinuation.PlanResumeAsync(store, runId, cancellationToken).ConfigureAwait(false);

            // The process that ran it before is gone (the run could be reopened): so are the spill files it left.
            Output.SpillDirectory.RemoveAbandoned(Output.SpillDirectory.DefaultRoot, runId);
        }

        if (store is not null && (request.Resume || request.RetryOf is not null))
        {
            // What completed earlier is taken over: in this run (resume) or in the run retried.
            foreach (TargetAttemptRecord a in await store.GetAttemptsAsync(request.RetryOf ?? runId, new AttemptQuery { LatestOnly = true }, cancellationToken).ConfigureAwait(false))
            {
                if (a.State.IsCompleted())
                {
                    completed[a.Target] = a;
                }
            }
        }

        var tracker = _options.Progress ?? new ProgressTracker(time, logger: _options.Logger);
        WorkflowStateRecorder? state = store?.Workflows is { } steps ? new WorkflowStateRecorder(steps, runId) : null;
        IReadOnlyList<string> units = WorkflowExecution.PlanUnits(request.Workflow, _options.Inventory);
        if (store is not null && resume is null && request.Queued)
        {
            // Accepted earlier and recorded queued (RecordQueuedAsync): it starts now, under this process, with a lease.
            if (!await store.ReopenRunAsync(runId, Environment.MachineName, Environment.ProcessId, time.GetUtcNow() + recorderOptions.LeaseDuration, cancellationToken).ConfigureAwait(false))
            {
                throw new FanoutException($"queued run {runId} cannot be started: it is unknown or already running");
            }
        }
        else if (store is not null && resume is null)
        {
            await store.CreateRunAsync(NewRunRecord(request, runId, units.Count, time) with { LeaseExpiresAt = time.GetUtcNow() + recorderOptions.LeaseDuration },
                [.. units.Select(u => new RunTargetRecord(u, 1))], cancellationToken).ConfigureAwait(false);
        }

        // One recorder for every kind of run: attempt rows (running before each unit starts), events, counts, lease.
        // A retry counts what it took over from the retried run in its own totals (the units it does not run again).
        IReadOnlyDictionary<string, TargetState>? takenOver = resume?.Completed
            ?? (request.RetryOf is null ? null : completed.ToDictionary(c => c.Key, c => c.Value.State.ToTargetState(), StringComparer.Ordinal));
        RunRecorder? recorder = store is null ? null : new RunRecorder(store, runId, resume?.Selection.Count ?? units.Count, recorderOptions, time,
            resume?.AttemptOffsets, resume?.LastSequence ?? 0, takenOver) { Owner = (Environment.MachineName, Environment.ProcessId) };
        await using (recorder)
        await using (state)
        {
            if (recorder is not null)
            {
                tracker.OnEvent(recorder.Post);
            }

            if (state is not null)
            {
                tracker.OnEvent(state.OnEvent);
            }

            var execution = new WorkflowExecution(request, _options, runId, executor, new WorkflowPublisher(runId, tracker, recorder, state, time, request.SecretValues),
                new ResumeState { CompletedUnits = completed });
            WorkflowRunResult result;
            try
            {
                result = await execution.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException && recorder is not null)
            {
                // The engine reports failures as results; reaching here is a bug or a store failure: keep the record honest.
                await recorder.CompleteAsync(execution.Batch ?? new BatchResult { RunId = runId, Operation = request.Workflow.Name, StartedAt = time.GetUtcNow(), EndedAt = time.GetUtcNow(), Outcomes = [], StopReason = e.Message },
                    e is OperationCanceledException ? RunStatus.Cancelled : RunStatus.Failed, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            if (state is not null)
            {
                await state.FlushAsync().ConfigureAwait(false);
            }

            if (recorder is not null)
            {
                await recorder.CompleteAsync(execution.Batch!, result.Status, CancellationToken.None).ConfigureAwait(false);
            }

            return result;
        }
    }

    private Microsoft.Extensions.Logging.ILogger Logger => _options.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static Dictionary<string, object?> MaskSecrets(WorkflowRunRequest request)
    {
        var secret = request.Workflow.Parameters.Where(p => p.Secret).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return request.Parameters.ToDictionary(k => k.Key, k => secret.Contains(k.Key) && k.Value is not null ? SecretMasker.Mask : k.Value, StringComparer.Ordinal);
    }

    private static List<string> Masked(List<string> problems, WorkflowRunRequest request) =>
        [.. problems.Select(p => SecretMasker.Apply(p, request.SecretValues))];

    /// <summary>Deletes the spill files of a run's step batches when the run is done with them (SPEC X12: nothing stays under the spill root).</summary>
    private readonly struct SpillCleanup(IStepExecutor executor) : IDisposable
    {
        public void Dispose() => (executor as TransportStepExecutor)?.DeleteSpillFiles();
    }

    /// <summary>A new run id from the one generator (<see cref="RunIds.New"/>).</summary>
    public static string NewRunId(TimeProvider time) => RunIds.New(time);
}
