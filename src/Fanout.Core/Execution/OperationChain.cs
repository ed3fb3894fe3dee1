using Fanout.Events;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Execution;

/// <summary>
/// Several operations run in sequence over the same targets (SPEC C2), as one run. The chain runs
/// wave by wave: every step runs on wave 1 before wave 2 starts, so a target's session is opened
/// once and serves every step of its wave (SPEC S2), and is closed when the wave ends (X3).
/// </summary>
/// <example>
/// <code>
/// var chain = new OperationChain(stopOnFailure: true).Then(stop).Then(upgrade).Then(start);
/// IReadOnlyList&lt;BatchResult&gt; steps = await chain.ExecuteAsync(executor, targets);
/// </code>
/// </example>
public sealed class OperationChain
{
    private readonly List<IOperation> _steps = [];

    /// <summary>Creates an empty chain.</summary>
    /// <param name="stopOnFailure">
    /// When true (the default), a step that fails on any target of a wave stops the chain: later
    /// steps of that wave and every later wave are reported as <c>not-run</c>. When false, every
    /// step runs on every target whatever happened before.
    /// </param>
    public OperationChain(bool stopOnFailure = true)
    {
        StopOnFailure = stopOnFailure;
    }

    /// <summary>Creates a chain of <paramref name="steps"/>.</summary>
    /// <param name="stopOnFailure">Whether a step with failures stops the chain (see <see cref="OperationChain(bool)"/>).</param>
    /// <param name="steps">The operations, in order.</param>
    public OperationChain(bool stopOnFailure, params IEnumerable<IOperation> steps)
        : this(stopOnFailure)
    {
        ArgumentNullException.ThrowIfNull(steps);
        foreach (IOperation step in steps)
        {
            Then(step);
        }
    }

    /// <summary>Whether a step with failures stops the chain.</summary>
    public bool StopOnFailure { get; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IOperation> Steps => _steps;

    /// <summary>The chain's name: its step names joined by <c> → </c>.</summary>
    public string Name => string.Join(" → ", _steps.Select(s => s.Name));

    /// <summary>Appends a step.</summary>
    /// <returns>This chain, for chaining.</returns>
    public OperationChain Then(IOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        _steps.Add(operation);
        return this;
    }

    /// <summary>
    /// Runs the chain with <paramref name="executor"/>'s options. Returns one result per step, in
    /// step order, all with the same run id; steps that never ran on a target report it as
    /// <c>not-run</c>. Events of all steps go to one <paramref name="progress"/> stream whose
    /// <see cref="RunStarted.Total"/> is targets × steps.
    /// </summary>
    /// <exception cref="InvalidOperationException">The chain has no steps.</exception>
    public async Task<IReadOnlyList<BatchResult>> ExecuteAsync(BatchExecutor executor, IReadOnlyList<Target> targets, ProgressTracker? progress = null, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executor);
        if (_steps.Count == 0)
        {
            throw new InvalidOperationException("The chain has no steps.");
        }

        return await executor.ExecuteStepsAsync([.. _steps], Name, targets, StopOnFailure, progress, runId, cancellationToken).ConfigureAwait(false);
    }
}
