using Fanout.Events;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Execution;

/// <summary>
/// Runs an operation over many targets (SPEC C2, X2–X7): at most
/// <see cref="ExecutionOptions.MaxConcurrency"/> at once (session opening included), in waves,
/// with per-attempt timeouts, retries, a failure policy, cancellation with a grace period and,
/// on request, an all-or-nothing rollback. Every target ends with a <see cref="TargetOutcome"/>;
/// failures, timeouts and cancellation are reported as data in the <see cref="BatchResult"/>,
/// never thrown. Thread-safe: one executor may run several batches at once.
/// </summary>
public sealed class BatchExecutor
{
    private readonly TransportRegistry _transports;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates an executor.</summary>
    /// <param name="options">How batches run; validated here.</param>
    /// <param name="transports">
    /// The transports sessions are opened through (<see cref="OperationContext.GetSessionAsync"/>). The default value
    /// is <see cref="BuiltInTransports.Create"/>'s registry (local, ssh, device), opened only when an operation asks for
    /// a session — delegate operations need none.
    /// </param>
    /// <param name="timeProvider">The clock for timeouts, delays and timestamps. The default value is <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Where the executor logs. The default value logs nothing.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public BatchExecutor(ExecutionOptions options, TransportRegistry? transports = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid execution options: " + string.Join("; ", errors), nameof(options));
        }

        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _transports = transports ?? BuiltInTransports.Create(timeProvider: _time);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options batches run with.</summary>
    public ExecutionOptions Options { get; }

    /// <summary>
    /// Runs <paramref name="operation"/> on every target and returns one outcome per target, in
    /// the order of <paramref name="targets"/>. Cancelling <paramref name="cancellationToken"/>
    /// stops scheduling, signals running targets, waits up to
    /// <see cref="ExecutionOptions.CancellationGracePeriod"/>, and returns the partial result
    /// (<see cref="BatchResult.Cancelled"/> is true) instead of throwing.
    /// </summary>
    /// <param name="operation">The operation; called concurrently for different targets.</param>
    /// <param name="targets">The targets, run in this order (wave by wave).</param>
    /// <param name="progress">Receives the run's events, or <see langword="null"/> (then no events are made).</param>
    /// <param name="runId">The run id. The default value is a new time-ordered GUID.</param>
    /// <param name="cancellationToken">Cancels the batch (Ctrl-C, API cancel).</param>
    public Task<BatchResult> ExecuteAsync(IOperation operation, IReadOnlyList<Target> targets, ProgressTracker? progress = null, string? runId = null, CancellationToken cancellationToken = default)
        => ExecuteSingleAsync(operation, targets, progress, runId, atomic: Options.Atomic, cancellationToken);

    /// <summary>
    /// Like <see cref="ExecuteAsync(IOperation, IReadOnlyList{Target}, ProgressTracker?, string?, CancellationToken)"/>,
    /// but sessions come from <paramref name="sessions"/> and stay open after the batch, so the next batch of the same
    /// scope (a later workflow step on the same hosts) reuses them. <see cref="ExecutionOptions.Atomic"/> is honoured.
    /// </summary>
    /// <param name="operation">The operation; called concurrently for different targets.</param>
    /// <param name="targets">The targets, run in this order (wave by wave).</param>
    /// <param name="sessions">The shared sessions; disposed by the caller when its run ends.</param>
    /// <param name="progress">Receives the run's events, or <see langword="null"/>.</param>
    /// <param name="runId">The run id, or <see langword="null"/> for a new one.</param>
    /// <param name="cancellationToken">Cancels the batch.</param>
    public async Task<BatchResult> ExecuteAsync(IOperation operation, IReadOnlyList<Target> targets, SessionScope sessions, ProgressTracker? progress, string? runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(sessions);
        string id = runId ?? Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");
        var run = new ExecutionRun(Options, new SessionCache(_transports, _logger, sessions), _time, _logger, [operation], operation.Name, targets, progress, id, stopOnStepFailure: false, Options.Atomic);
        BatchResult[] results = await run.RunAsync(cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>
    /// Runs <paramref name="operation"/> all-or-nothing (SPEC X4 <c>--atomic</c>): scheduling stops
    /// at the first failure, and if any target did not succeed, exactly the targets that succeeded
    /// are rolled back. <see cref="BatchResult.Rollbacks"/> reports each rollback and
    /// <see cref="BatchResult.RollbackPartiallyFailed"/> whether some failed. An operation without
    /// rollback yields a failed rollback per succeeded target.
    /// </summary>
    /// <inheritdoc cref="ExecuteAsync(IOperation, IReadOnlyList{Target}, ProgressTracker?, string?, CancellationToken)" path="/param"/>
    public Task<BatchResult> ExecuteWithRollbackAsync(IOperation operation, IReadOnlyList<Target> targets, ProgressTracker? progress = null, string? runId = null, CancellationToken cancellationToken = default)
        => ExecuteSingleAsync(operation, targets, progress, runId, atomic: true, cancellationToken);

    /// <summary>Runs several operations wave by wave over the same targets (used by <see cref="OperationChain"/>).</summary>
    internal Task<BatchResult[]> ExecuteStepsAsync(IReadOnlyList<IOperation> steps, string name, IReadOnlyList<Target> targets, bool stopOnFailure, ProgressTracker? progress, string? runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(targets);
        if (steps.Count == 0)
        {
            throw new ArgumentException("A chain needs at least one operation.", nameof(steps));
        }

        ExecutionRun run = CreateRun([.. steps], name, targets, progress, runId, stopOnFailure, atomic: false);
        return run.RunAsync(cancellationToken);
    }

    private async Task<BatchResult> ExecuteSingleAsync(IOperation operation, IReadOnlyList<Target> targets, ProgressTracker? progress, string? runId, bool atomic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(targets);
        ExecutionRun run = CreateRun([operation], operation.Name, targets, progress, runId, stopOnStepFailure: false, atomic);
        BatchResult[] results = await run.RunAsync(cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    private ExecutionRun CreateRun(IOperation[] steps, string name, IReadOnlyList<Target> targets, ProgressTracker? progress, string? runId, bool stopOnStepFailure, bool atomic)
    {
        string id = runId ?? Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");
        var sessions = new SessionCache(_transports, _logger);
        return new ExecutionRun(Options, sessions, _time, _logger, steps, name, targets, progress, id, stopOnStepFailure, atomic);
    }
}
