using Fanout.Execution;
using Fanout.Runs;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// One run of a workflow: wires its parts and orders the phases (check context, resume, steps, recovery, rollback and hooks,
/// figures and the result). Each concern is a type of its own: <see cref="RunState"/> (results, failure, stop), <see cref="StepScheduler"/>
/// (ready steps, groups), <see cref="StepRunner"/> (leaf steps, attempts, fan-out), <see cref="StepTransitions"/> (state changes on the
/// event stream), <see cref="HookRunner"/>, <see cref="RecoveryRunner"/>, <see cref="Compensation"/> (rollback), <see cref="StepContext"/>
/// (templates and outputs), <see cref="ApprovalGate"/>, <see cref="BreakerBoard"/>, <see cref="RunReporter"/> (figures, metrics, alerts,
/// notifications), <see cref="ResumeState"/> and <see cref="WorkflowPublisher"/> (the run's event stream, which the recorders follow).
/// </summary>
internal sealed class WorkflowExecution
{
    private readonly WorkflowRunRequest _request;
    private readonly WorkflowRunnerOptions _options;
    private readonly WorkflowDefinition _workflow;
    private readonly TimeProvider _time;
    private readonly WorkflowPublisher _publisher;
    private readonly ResourcePool _pool;
    private readonly StepContext _context;
    private readonly RunReporter _reporter;
    private readonly Compensation _compensation;
    private readonly RunState _run = new();
    private readonly StepTransitions _transitions;
    private readonly HookRunner _hooks;
    private readonly StepScheduler _scheduler;
    private readonly RecoveryRunner _recovery;
    private readonly List<RuntimeStep> _roots;

    public WorkflowExecution(WorkflowRunRequest request, WorkflowRunnerOptions options, string runId, IStepExecutor executor, WorkflowPublisher publisher, ResumeState? resume = null)
    {
        _request = request;
        _options = options;
        _workflow = request.Workflow;
        _time = options.TimeProvider ?? TimeProvider.System;
        _publisher = publisher;
        RunId = runId;
        Resume = resume ?? new ResumeState();
        _context = new StepContext(_workflow, request.Parameters, runId, request.SecretValues);
        _reporter = new RunReporter(_workflow, runId, options, _context, _time);
        var approvals = new ApprovalGate(runId, options, publisher, _reporter, _time, request.Actor ?? RunService.DefaultActor, request.Workflow.Approval?.DistinctApprover == true);
        var breakers = new BreakerBoard(_workflow, options.Store?.Workflows, _time);
        ResourceLimits? limits = _workflow.ResourceLimits;
        int? maxParallel = limits?.MaxParallel;
        if (options.MaxParallel is { } cap)
        {
            maxParallel = maxParallel is { } m ? Math.Min(m, cap) : cap;
        }

        _pool = new ResourcePool(maxParallel, limits?.CpuLimit, limits?.MemoryLimitBytes);
        ErrorStrategy strategy = options.ContinueOnError ? ErrorStrategy.ContinueOnError : _workflow.ErrorHandling?.Strategy ?? ErrorStrategy.FailFast;

        // Hooks run as steps of the run through the scheduler, which runs leaf steps that run hooks: the scheduler is bound last.
        StepScheduler? scheduler = null;
        _hooks = new HookRunner(_workflow, _run, _reporter, (step, ct) => scheduler!.RunStepAsync(step, ct));
        _compensation = new Compensation(_workflow, runId, publisher, _reporter, _time, _hooks.RunAsync);
        _transitions = new StepTransitions(runId, _run, publisher, _context, _compensation, _reporter, Resume, _time);
        var steps = new StepRunner(runId, _workflow, options, executor, publisher, _context, _transitions, _hooks, approvals, breakers, Resume, _time);
        _scheduler = scheduler = new StepScheduler(_run, _pool, strategy, _transitions, _compensation, steps, Resume, _time);
        _recovery = new RecoveryRunner(_workflow, options, _run, _context, _reporter, _hooks);
        _roots = [.. _workflow.Steps.Select(s => RuntimeStep.Build(s, s.Name, null, "main"))];
        foreach (RuntimeStep leaf in MainLeaves)
        {
            leaf.Units = StepRunner.UnitsOf(leaf, options.Inventory);
        }
    }

    /// <summary>
    /// The units a run of <paramref name="workflow"/> is recorded as, in step order: a plain step is one unit named
    /// after its path, a fan-out step one unit <c>PATH/TARGET</c> per selected target.
    /// </summary>
    public static IReadOnlyList<string> PlanUnits(WorkflowDefinition workflow, Inventory.Inventory? inventory) =>
        [.. workflow.Steps.Select(s => RuntimeStep.Build(s, s.Name, null, "main")).SelectMany(r => r.Leaves()).SelectMany(l => StepRunner.UnitsOf(l, inventory))];

    public string RunId { get; }

    public IEnumerable<RuntimeStep> MainLeaves => _roots.SelectMany(r => r.Leaves());

    /// <summary>Every unit of the run in step order: the plain steps and the targets of the fan-out steps.</summary>
    public IEnumerable<string> Units => MainLeaves.SelectMany(l => l.Units);

    /// <summary>On resume: the latest completed attempt of every unit that completed in earlier runs (not run again).</summary>
    public ResumeState Resume { get; }

    /// <summary>The run as a batch of units (every outcome published), once it finished: what the recorder completes with.</summary>
    public BatchResult? Batch { get; private set; }

    public async Task<WorkflowRunResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = _time.GetUtcNow();
        long start = _time.GetTimestamp();
        using var overall = _options.Timeout is { } timeout ? new CancellationTokenSource(timeout, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, overall.Token);
        CancellationToken ct = linked.Token;
        if (_request.Resume || _request.RetryOf is not null)
        {
            await Resume.LoadAsync(_options.Store?.Workflows, _request.RetryOf ?? RunId, MainLeaves, _options.ConfirmRerun, retry: _request.RetryOf is not null, cancellationToken).ConfigureAwait(false);
        }

        _publisher.Publish(new Events.RunStarted
        {
            RunId = RunId,
            Timestamp = startedAt,
            Operation = _workflow.Name,
            Total = MainLeaves.Where(l => Resume.Done(l.Path) is null).SelectMany(l => l.Units).Count(u => !Resume.IsCompleted(u)),
            WaveCount = 1,
            MaxConcurrency = _pool.MaxParallel ?? 0,
        });

        if (!_context.Build(out string? contextError))
        {
            return await FinishAsync(RunStatus.Failed, contextError, startedAt, start, rolledBack: false).ConfigureAwait(false);
        }

        await _reporter.NotifyAsync("started", null, $"workflow {_workflow.Name} started", null, CancellationToken.None).ConfigureAwait(false);
        bool cancelled = false;
        bool rolledBack = false;
        try
        {
            await _scheduler.RunListAsync(_roots, concurrent: false, limit: 1, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            cancelled = true;
            _run.Fail(overall.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"the workflow timed out after {Duration.Format(_options.Timeout!.Value)}"
                : "cancelled");
        }

        bool failed = cancelled || _roots.Any(r => !r.Satisfied);
        if (failed && _run.Failure is null)
        {
            RuntimeStep? first = _roots.SelectMany(r => r.SelfAndDescendants()).FirstOrDefault(s => s.Children.Count == 0 && !s.Satisfied && s.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited);
            _run.Fail(first is null ? "a step did not succeed" : $"step '{first.Path}' {first.State.ToWireName()}{(first.Result?.Error is { } e ? ": " + e : string.Empty)}");
        }

        // Hooks and rollback run even after cancellation (bounded by their own timeouts), but not after Ctrl-C.
        CancellationToken after = cancellationToken.IsCancellationRequested ? cancellationToken : CancellationToken.None;
        try
        {
            if (failed)
            {
                await _recovery.RecoverAsync(UnhandledFailures(), after).ConfigureAwait(false);
                rolledBack = await _compensation.RollbackAsync(UnhandledFailures(), _run.Failure, after).ConfigureAwait(false);
                await _hooks.RunAsync(_workflow.OnFailure, "on_failure", after).ConfigureAwait(false);
                await _hooks.RunAsync(_workflow.PostExecution?.Failure ?? [], "post_execution/failure", after).ConfigureAwait(false);
            }
            else
            {
                await _hooks.RunAsync(_workflow.OnSuccess, "on_success", after).ConfigureAwait(false);
                await _hooks.RunAsync(_workflow.PostExecution?.Success ?? [], "post_execution/success", after).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        RunStatus status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled : failed ? RunStatus.Failed : RunStatus.Succeeded;
        if (status == RunStatus.Cancelled && _request.HandedOver?.Invoke() is { } handedOver)
        {
            // Stopped because its server stopped, for another server of the cluster to resume: interrupted, not cancelled.
            return await FinishAsync(RunStatus.Interrupted, handedOver, startedAt, start, rolledBack).ConfigureAwait(false);
        }

        return await FinishAsync(status, failed ? _run.Failure : null, startedAt, start, rolledBack).ConfigureAwait(false);
    }

    private async Task<WorkflowRunResult> FinishAsync(RunStatus status, string? error, DateTimeOffset startedAt, long start, bool rolledBack)
    {
        TimeSpan duration = _time.GetElapsedTime(start);
        await _run.WhenBackgroundDoneAsync().ConfigureAwait(false);
        foreach (RuntimeStep leaf in MainLeaves.Where(l => !l.State.IsFinal()))
        {
            // A step that was running (or waiting for its approval) when the run stopped is cancelled; one that never
            // started is not-run — never failed (StepCounts).
            bool started = leaf.State is StepState.Running or StepState.AwaitingApproval;
            StepState state = started ? StepState.Cancelled : StepState.NotRun;
            await _transitions.CompleteAsync(leaf, state, new StepResult { Path = leaf.Path, State = state, SkipReason = "the run ended first" }, CancellationToken.None).ConfigureAwait(false);
        }

        List<RuntimeStep> leaves = [.. MainLeaves];
        int degradations = _run.Degradations.Count;

        StepCounts counts = StepCounts.Of(leaves.Select(l => l.State));
        Dictionary<string, object?> figures = RunReporter.Figures(leaves, counts, degradations, duration, status, rolledBack);
        List<RuntimeStep> healthSteps = [.. leaves.Where(RecoveryRunner.IsHealthStep)];
        figures["rollback_count"] = rolledBack ? 1L : 0L;
        figures["health_checks_passed"] = (long)healthSteps.Count(l => l.State == StepState.Succeeded);
        figures["health_checks_failed"] = (long)healthSteps.Count(l => l.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited);
        IReadOnlyList<string> recoveries = _run.Recoveries;

        figures["recoveries"] = (long)recoveries.Count;
        string? health = null;
        if (_workflow.Monitoring?.HealthChecks == true)
        {
            health = healthSteps.Count == 0
                ? "health checks: no health step in the run (steps whose name contains 'health')"
                : $"health checks: {figures["health_checks_passed"]} passed, {figures["health_checks_failed"]} failed ({string.Join(", ", healthSteps.Select(h => $"{h.Path} {h.State.ToWireName()}"))})";
            await _reporter.AnnotateAsync("health", (long)figures["health_checks_failed"]! > 0 ? "warning" : "info", health, CancellationToken.None).ConfigureAwait(false);
        }

        _reporter.RecordWorkflowMetrics(figures, leaves);
        List<string> alerts = await _reporter.RaiseAlertsAsync(figures).ConfigureAwait(false);
        await _reporter.SaveMetricsAsync().ConfigureAwait(false);
        await _reporter.DeliverMetricsAsync(figures).ConfigureAwait(false);
        string? masked = _context.MaskOrNull(error);
        string summary = status switch
        {
            RunStatus.Succeeded => $"workflow {_workflow.Name} succeeded in {Duration.Format(duration)}",
            _ => $"workflow {_workflow.Name} {status.ToWireName()}: {masked}",
        };
        bool alertOnFailure = status != RunStatus.Succeeded && _workflow.Monitoring?.AlertOnFailure == true;
        if (status != RunStatus.Interrupted)
        {
            // A run handed over to another server has not ended: the server that resumes it notifies its end.
            await _reporter.NotifyAsync(status == RunStatus.Succeeded ? "completed" : "failed", null, summary, figures, CancellationToken.None, force: alertOnFailure).ConfigureAwait(false);
        }
        Batch = new BatchResult
        {
            RunId = RunId,
            Operation = _workflow.Name,
            StartedAt = startedAt,
            EndedAt = _time.GetUtcNow(),
            Outcomes = _publisher.Outcomes,
            Cancelled = status == RunStatus.Cancelled,
            StopReason = masked,
        };
        _publisher.Publish(new Events.RunFinished { RunId = RunId, Timestamp = Batch.EndedAt, Result = Batch });

        IReadOnlyList<StepResult> results = _run.Results;

        if (_workflow.Monitoring?.LogAggregation == true)
        {
            await _reporter.AggregateLogsAsync(results).ConfigureAwait(false);
        }

        return new WorkflowRunResult
        {
            RunId = RunId,
            Workflow = _workflow.Name,
            Status = status,
            Steps = results,
            Outputs = _context.Outputs.ToDictionary(k => k.Key, k => _context.MaskValue(k.Value), StringComparer.Ordinal),
            Error = masked,
            RolledBack = rolledBack,
            Degradations = _run.Degradations,
            Recoveries = recoveries,
            Health = health,
            Alerts = alerts,
            Figures = figures,
            Counts = counts,
            StartedAt = startedAt,
            Duration = duration,
        };
    }

    private List<RuntimeStep> UnhandledFailures() => _run.Read<List<RuntimeStep>>(() =>
        [.. _roots.SelectMany(r => r.SelfAndDescendants()).Where(s => s.Children.Count == 0 && s.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited or StepState.Cancelled && !s.FailureHandled)]);
}
