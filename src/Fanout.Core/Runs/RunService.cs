using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Selection;
using Fanout.Transports;
using Fanout.Transports.Local;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Runs;

/// <summary>
/// The one application service (ARCHITECTURE): resolves inventory sources and a selection into
/// targets, gives the run an id and executes an operation over the targets with the
/// <see cref="BatchExecutor"/>, publishing events through a <see cref="ProgressTracker"/>. The CLI
/// and the server both call it; neither holds execution logic of its own. With a store, every run
/// started through <see cref="ExecuteAsync(RunRequest, ProgressTracker?, CancellationToken)"/> is recorded, and
/// <see cref="PlanResumeAsync(string, RunOverrides?, CancellationToken)"/> / <see cref="PlanRetryAsync(string, RetrySelection, RunOverrides?, CancellationToken)"/> turn a stored run back into a request.
/// </summary>
public sealed partial class RunService
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunRecorderOptions _recorderOptions;

    /// <summary>Creates the service.</summary>
    /// <param name="transports">The transports targets may name. The default value is <see cref="BuiltInTransports.Create"/> (local, ssh, device).</param>
    /// <param name="timeProvider">The clock. The default value is <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger. The default value logs nothing.</param>
    /// <param name="store">Where runs are recorded (SPEC H1), or <see langword="null"/> to record nothing.</param>
    /// <param name="recorderOptions">How the recorder batches writes and keeps its lease. The default value is <see cref="RunRecorderOptions"/>' defaults.</param>
    public RunService(TransportRegistry? transports = null, TimeProvider? timeProvider = null, ILogger? logger = null, IRunStore? store = null, RunRecorderOptions? recorderOptions = null)
    {
        Transports = transports ?? BuiltInTransports.Create(timeProvider: timeProvider);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Store = store;
        _recorderOptions = recorderOptions ?? new RunRecorderOptions();
    }

    /// <summary>The store runs are recorded in, or <see langword="null"/>.</summary>
    public IRunStore? Store { get; }

    /// <summary>The transports runs use.</summary>
    public TransportRegistry Transports { get; }

    /// <summary>Loads and merges the inventory sources (SPEC T2–T4).</summary>
    /// <exception cref="InventoryException">A source is missing or malformed; the message names file:line:column.</exception>
    public Task<Inventory.Inventory> LoadInventoryAsync(IReadOnlyList<string> sources, CancellationToken cancellationToken)
        => InventoryLoader.LoadAsync(sources, cancellationToken);

    /// <summary>Loads the inventory and selects the targets matching <paramref name="criteria"/> (SPEC T5), deduplicated, in inventory order.</summary>
    /// <exception cref="InventoryException">A source is missing or malformed.</exception>
    /// <exception cref="SelectionException">A selector is malformed; the message names it.</exception>
    public async Task<TargetSet> SelectTargetsAsync(IReadOnlyList<string> sources, SelectionCriteria criteria, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        Inventory.Inventory inventory = await LoadInventoryAsync(sources, cancellationToken).ConfigureAwait(false);
        return Selector.Select(inventory, criteria);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> over <paramref name="targets"/>. With
    /// <see cref="ExecutionOptions.Atomic"/> a failure rolls back the targets that succeeded.
    /// Per-target failures are in the result, never thrown.
    /// </summary>
    /// <param name="operation">What to run.</param>
    /// <param name="targets">Where to run it.</param>
    /// <param name="options">Concurrency, waves, timeouts, failure policy and retries.</param>
    /// <param name="progress">Receives the run's events, or <see langword="null"/>.</param>
    /// <param name="runId">The run id, or <see langword="null"/> for a new one (<see cref="NewRunId"/>).</param>
    /// <param name="cancellationToken">Cancels the run: running targets are stopped and reported as cancelled, the rest as not-run.</param>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="ExecutionOptions.Validate"/>).</exception>
    public Task<BatchResult> ExecuteAsync(
        IOperation operation,
        IReadOnlyList<Target> targets,
        ExecutionOptions options,
        ProgressTracker? progress = null,
        string? runId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var executor = new BatchExecutor(options, Transports, _time, _logger);
        runId ??= NewRunId();
        return options.Atomic
            ? executor.ExecuteWithRollbackAsync(operation, targets, progress, runId, cancellationToken)
            : executor.ExecuteAsync(operation, targets, progress, runId, cancellationToken);
    }

    /// <summary>Returns a new run id (<see cref="RunIds.New"/>): <c>yyyyMMdd-HHmmss-xxxxxxxx</c>.</summary>
    public string NewRunId() => RunIds.New(_time);
}
