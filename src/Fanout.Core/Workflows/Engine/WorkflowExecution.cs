using System.Collections.Concurrent;
using Fanout.Expressions;
using Fanout.Runs;
using Fanout.Workflows.Model;
using Fanout.Workflows.Notifications;
using Microsoft.Extensions.Logging;

namespace Fanout.Workflows.Engine;

/// <summary>One run of a workflow: the state the steps share, and the order of the phases.</summary>
internal sealed partial class WorkflowExecution
{
    private readonly WorkflowRunRequest _request;
    private readonly WorkflowRunnerOptions _options;
    private readonly WorkflowDefinition _workflow;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IStepExecutor _executor;
    private readonly INotifier _notifier;
    private readonly WorkflowPublisher _publisher;
    private readonly IWorkflowStore? _workflowStore;
    private readonly ResourcePool _pool;
    private readonly IReadOnlyCollection<string> _secrets;
    private readonly ConcurrentDictionary<string, object?> _outputs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, object?>> _stepStatus = new(StringComparer.Ordinal);
    private readonly List<StepResult> _results = [];
    private readonly List<(RuntimeStep Step, int Order)> _completed = [];
    private readonly List<string> _degradations = [];
    private readonly Dictionary<string, CircuitBreakerGate> _breakers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkflowStepRecord> _restored = new(StringComparer.Ordinal);
    private readonly List<RuntimeStep> _roots;
    private readonly ErrorStrategy _strategy;
    private TemplateContext _base = new();
    private int _completion;
    private volatile bool _stop;
    private string? _failure;

    public WorkflowExecution(WorkflowRunRequest request, WorkflowRunnerOptions options, string runId, IStepExecutor executor, WorkflowPublisher publisher)
    {
        _request = request;
        _options = options;
        _workflow = request.Workflow;
        _time = options.TimeProvider ?? TimeProvider.System;
        _logger = options.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _notifier = options.Notifier ?? NullNotifier.Instance;
        _executor = executor;
        _publisher = publisher;
        _workflowStore = options.Store as IWorkflowStore;
        _secrets = request.SecretValues;
        RunId = runId;
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
    public IReadOnlyDictionary<string, Runs.TargetAttemptRecord> CompletedUnits { get; init; } = new Dictionary<string, Runs.TargetAttemptRecord>();

    public async Task<WorkflowRunResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = _time.GetUtcNow();
        long start = _time.GetTimestamp();
        using var overall = _options.Timeout is { } timeout ? new CancellationTokenSource(timeout, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, overall.Token);
        CancellationToken ct = linked.Token;
        if (_request.Resume)
        {
            await RestoreAsync(cancellationToken).ConfigureAwait(false);
        }

        _publisher.Publish(new Events.RunStarted
        {
            RunId = RunId,
            Timestamp = startedAt,
            Operation = _workflow.Name,
            Total = MainLeaves.Where(l => !IsDoneInStore(l)).SelectMany(l => l.Units).Count(u => !CompletedUnits.ContainsKey(u)),
            WaveCount = 1,
            MaxConcurrency = _pool.MaxParallel ?? 0,
        });

        if (!BuildContext(out string? contextError))
        {
            return await FinishAsync(RunStatus.Failed, contextError, startedAt, start, rolledBack: false).ConfigureAwait(false);
        }

        await NotifyAsync("started", null, $"workflow {_workflow.Name} started", null, CancellationToken.None).ConfigureAwait(false);
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
                rolledBack = await RollbackAsync(after).ConfigureAwait(false);
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

    private bool IsDoneInStore(RuntimeStep leaf) =>
        _restored.TryGetValue(leaf.Path, out WorkflowStepRecord? record) && StepStateExtensions.ParseWireName(record.State).IsDone();

    private static IEnumerable<RuntimeStep> Flatten(RuntimeStep step) => step.Children.SelectMany(Flatten).Prepend(step);

    private bool BuildContext(out string? error)
    {
        var builtIns = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["run_id"] = RunId,
            ["workflow_id"] = _workflow.Name,
            ["outputs"] = new Dictionary<string, object?>(),
            ["steps"] = new Dictionary<string, object?>(),
        };
        WorkflowContextResult built = WorkflowContextBuilder.Build(_workflow, _request.Parameters, builtIns);
        _base = built.Context;
        error = built.Errors.Count == 0 ? null : Mask(string.Join("; ", built.Errors.Select(e => e.ToString())));
        return error is null;
    }

    private string Mask(string text) => _secrets.Count == 0 ? text : Parameters.SecretMasker.Apply(text, _secrets);

    private string? MaskOrNull(string? text) => text is null ? null : Mask(text);
}
