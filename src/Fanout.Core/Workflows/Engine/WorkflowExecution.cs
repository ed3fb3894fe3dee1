using Fanout.Execution;
using Fanout.Runs;
using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// One run of a workflow: the steps' shared state and the order of the phases (check context, resume, steps, rollback
/// and hooks, figures and the result). Its concerns are types of their own: <see cref="StepContext"/> (templates and
/// outputs), <see cref="ApprovalGate"/>, <see cref="BreakerBoard"/>, <see cref="Compensation"/> (rollback),
/// <see cref="RunReporter"/> (figures, metrics, alerts, notifications), <see cref="ResumeState"/>, and
/// <see cref="WorkflowPublisher"/> (the run's event stream, which the recorders follow); scheduling, leaf steps,
/// state changes and hooks are the partial files of this class.
/// </summary>
internal sealed partial class WorkflowExecution
{
    private readonly WorkflowRunRequest _request;
    private readonly WorkflowRunnerOptions _options;
    private readonly WorkflowDefinition _workflow;
    private readonly TimeProvider _time;
    private readonly IStepExecutor _executor;
    private readonly WorkflowPublisher _publisher;
    private readonly ResourcePool _pool;
    private readonly StepContext _context;
    private readonly RunReporter _reporter;
    private readonly ApprovalGate _approvals;
    private readonly BreakerBoard _breakers;
    private readonly Compensation _compensation;
    private readonly List<StepResult> _results = [];
    private readonly List<string> _degradations = [];
    private readonly List<Task> _background = [];
    private readonly List<RuntimeStep> _roots;
    private readonly ErrorStrategy _strategy;
    private volatile bool _stop;
    private string? _failure;

    public WorkflowExecution(WorkflowRunRequest request, WorkflowRunnerOptions options, string runId, IStepExecutor executor, WorkflowPublisher publisher)
    {
        _request = request;
        _options = options;
        _workflow = request.Workflow;
        _time = options.TimeProvider ?? TimeProvider.System;
        _executor = executor;
        _publisher = publisher;
        RunId = runId;
        IWorkflowStore? store = options.Store?.Workflows;
        _context = new StepContext(_workflow, request.Parameters, runId, request.SecretValues);
        _reporter = new RunReporter(_workflow, runId, options, _context, _time);
        _approvals = new ApprovalGate(runId, options, publisher, _reporter, _time, request.Actor ?? RunService.DefaultActor, request.Workflow.Approval?.DistinctApprover == true);
        _breakers = new BreakerBoard(_workflow, store, _time);
        _compensation = new Compensation(_workflow, runId, publisher, _reporter, _time, RunHooksAsync);
        ResourceLimits? limits = _workflow.ResourceLimits;
        int? maxParallel = limits?.MaxParallel;
        if (options.MaxParallel is { } cap)
        {
            maxParallel = maxParallel is { } m ? Math.Min(m, cap) : cap;
        }

        _pool = new ResourcePool(maxParallel, limits?.CpuLimit, limits?.MemoryLimitBytes);
        _strategy = options.ContinueOnError ? ErrorStrategy.ContinueOnError : _workflow.ErrorHandling?.Strategy ?? ErrorStrategy.FailFast;
        _roots = [.. _workflow.Steps.Select(s => RuntimeStep.Build(s, s.Name, null, "main"))];
        foreach (RuntimeStep leaf in MainLeaves)
        {
            leaf.Units = UnitsOf(leaf, options.Inventory);
        }
    }

    /// <summary>
    /// The units a run of <paramref name="workflow"/> is recorded as, in step order: a plain step is one unit named
    /// after its path, a fan-out step one unit <c>PATH/TARGET</c> per selected target.
    /// </summary>
    public static IReadOnlyList<string> PlanUnits(WorkflowDefinition workflow, Inventory.Inventory? inventory) =>
        [.. workflow.Steps.Select(s => RuntimeStep.Build(s, s.Name, null, "main")).SelectMany(r => r.Leaves()).SelectMany(l => UnitsOf(l, inventory))];

    private static IReadOnlyList<string> UnitsOf(RuntimeStep leaf, Inventory.Inventory? inventory) =>
        leaf.Step.Targets is { } selection && SelectTargets(selection, inventory).Targets is { } targets
            ? [.. targets.Select(t => leaf.Path + "/" + t.Name)]
            : [leaf.Path];

    public string RunId { get; }

    public IEnumerable<RuntimeStep> MainLeaves => _roots.SelectMany(r => r.Leaves());

    /// <summary>Every unit of the run in step order: the plain steps and the targets of the fan-out steps.</summary>
    public IEnumerable<string> Units => MainLeaves.SelectMany(l => l.Units);

    /// <summary>On resume: the latest completed attempt of every unit that completed in earlier runs (not run again).</summary>
    public ResumeState Resume { get; init; } = new();

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
            await RunListAsync(_roots, concurrent: false, limit: 1, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            cancelled = true;
            _failure ??= overall.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"the workflow timed out after {Duration.Format(_options.Timeout!.Value)}"
                : "cancelled";
        }

        bool failed = cancelled || _roots.Any(r => !r.Satisfied);
        if (failed && _failure is null)
        {
            RuntimeStep? first = _roots.SelectMany(Flatten).FirstOrDefault(s => s.Children.Count == 0 && !s.Satisfied && s.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited);
            _failure = first is null ? "a step did not succeed" : $"step '{first.Path}' {first.State.ToWireName()}{(first.Result?.Error is { } e ? ": " + e : string.Empty)}";
        }

        // Hooks and rollback run even after cancellation (bounded by their own timeouts), but not after Ctrl-C.
        CancellationToken after = cancellationToken.IsCancellationRequested ? cancellationToken : CancellationToken.None;
        try
        {
            if (failed)
            {
                await RecoverAsync(UnhandledFailures(), after).ConfigureAwait(false);
                rolledBack = await _compensation.RollbackAsync(UnhandledFailures(), _failure, after).ConfigureAwait(false);
                await RunHooksAsync(_workflow.OnFailure, "on_failure", after).ConfigureAwait(false);
                await RunHooksAsync(_workflow.PostExecution?.Failure ?? [], "post_execution/failure", after).ConfigureAwait(false);
            }
            else
            {
                await RunHooksAsync(_workflow.OnSuccess, "on_success", after).ConfigureAwait(false);
                await RunHooksAsync(_workflow.PostExecution?.Success ?? [], "post_execution/success", after).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        RunStatus status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled : failed ? RunStatus.Failed : RunStatus.Succeeded;
        return await FinishAsync(status, failed ? _failure : null, startedAt, start, rolledBack).ConfigureAwait(false);
    }

    private async Task<WorkflowRunResult> FinishAsync(RunStatus status, string? error, DateTimeOffset startedAt, long start, bool rolledBack)
    {
        TimeSpan duration = _time.GetElapsedTime(start);
        Task[] background;
        lock (_background)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background).ConfigureAwait(false);
        foreach (RuntimeStep leaf in MainLeaves.Where(l => !l.State.IsFinal()))
        {
            // A step that was running (or waiting for its approval) when the run stopped is cancelled; one that never
            // started is not-run — never failed (StepCounts).
            bool started = leaf.State is StepState.Running or StepState.AwaitingApproval;
            StepState state = started ? StepState.Cancelled : StepState.NotRun;
            await Complete(leaf, state, new StepResult { Path = leaf.Path, State = state, SkipReason = "the run ended first" }, CancellationToken.None).ConfigureAwait(false);
        }

        List<RuntimeStep> leaves = [.. MainLeaves];
        int degradations;
        lock (_degradations)
        {
            degradations = _degradations.Count;
        }

        StepCounts counts = StepCounts.Of(leaves.Select(l => l.State));
        Dictionary<string, object?> figures = RunReporter.Figures(leaves, counts, degradations, duration, status, rolledBack);
        List<RuntimeStep> healthSteps = [.. leaves.Where(IsHealthStep)];
        figures["rollback_count"] = rolledBack ? 1L : 0L;
        figures["health_checks_passed"] = (long)healthSteps.Count(l => l.State == StepState.Succeeded);
        figures["health_checks_failed"] = (long)healthSteps.Count(l => l.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited);
        List<string> recoveries;
        lock (_recoveries)
        {
            recoveries = [.. _recoveries];
        }

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
        await _reporter.NotifyAsync(status == RunStatus.Succeeded ? "completed" : "failed", null, summary, figures, CancellationToken.None, force: alertOnFailure).ConfigureAwait(false);
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

        List<StepResult> results;
        lock (_results)
        {
            results = [.. _results];
        }

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
            Degradations = [.. _degradations],
            Recoveries = recoveries,
            Health = health,
            Alerts = alerts,
            Figures = figures,
            Counts = counts,
            StartedAt = startedAt,
            Duration = duration,
        };
    }

    private List<RuntimeStep> UnhandledFailures()
    {
        lock (_results)
        {
            return [.. _roots.SelectMany(Flatten).Where(s => s.Children.Count == 0 && s.State is StepState.Failed or StepState.TimedOut or StepState.ShortCircuited or StepState.Cancelled && !s.FailureHandled)];
        }
    }

    private static IEnumerable<RuntimeStep> Flatten(RuntimeStep step) => step.Children.SelectMany(Flatten).Prepend(step);
}
