using Fanout.Execution;
using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>Builds operations from delegates and combines operations (SPEC C1).</summary>
/// <example>
/// <code>
/// IOperation deploy = Operation.Composite("deploy",
///     Operation.Retry(download, attempts: 3, delay: TimeSpan.FromSeconds(2), Backoff.Exponential),
///     Operation.Conditional(migrate, t => t.Tags.ContainsKey("db")),
///     restart);
/// </code>
/// </example>
public static class Operation
{
    /// <summary>
    /// Runs <paramref name="operations"/> in order on each target, stopping at the first failure.
    /// Skipped steps do not stop the sequence. The composite succeeds when no step failed, and is
    /// skipped when every step was skipped. Its validation is the first step's error; its rollback
    /// undoes the steps that support rollback, in reverse order.
    /// </summary>
    /// <exception cref="ArgumentException">No operations are given.</exception>
    public static IOperation Composite(string name, params IEnumerable<IOperation> operations)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(operations);
        IOperation[] steps = [.. operations];
        if (steps.Length == 0)
        {
            throw new ArgumentException("A composite needs at least one operation.", nameof(operations));
        }

        return new CompositeOperation(name, steps);
    }

    /// <summary>Runs <paramref name="operation"/> only on targets for which <paramref name="predicate"/> is true; the others are <c>skipped</c>.</summary>
    public static IOperation Conditional(IOperation operation, Func<Target, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(predicate);
        return new ConditionalOperation(operation, predicate);
    }

    /// <summary>
    /// Retries <paramref name="operation"/> inside one executor attempt: up to
    /// <paramref name="attempts"/> tries in all, waiting <paramref name="delay"/> (grown by
    /// <paramref name="backoff"/>) between them on the context's clock. Failed results and
    /// transport errors are retried; cancellation never is.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempts"/> is less than 1 or <paramref name="delay"/> is negative.</exception>
    public static IOperation Retry(IOperation operation, int attempts, TimeSpan delay, Backoff backoff = Backoff.Fixed)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new RetryOperation(operation, attempts, delay, backoff);
    }

    /// <summary>Creates an operation from a delegate, optionally with a rollback and a validation.</summary>
    /// <param name="name">The operation name.</param>
    /// <param name="execute">Runs the operation on one target; must be thread-safe.</param>
    /// <param name="rollback">Undoes it on one target, or <see langword="null"/> for no rollback.</param>
    /// <param name="validate">Returns why a target is invalid, or <see langword="null"/>; <see langword="null"/> accepts every target.</param>
    public static IOperation FromDelegate(
        string name,
        Func<Target, OperationContext, CancellationToken, Task<OperationResult>> execute,
        Func<Target, OperationContext, CancellationToken, Task<OperationResult>>? rollback = null,
        Func<Target, string?>? validate = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(execute);
        return new DelegateOperation(name, execute, rollback, validate);
    }

    /// <summary>Creates an operation from a delegate that needs neither context nor rollback.</summary>
    public static IOperation FromDelegate(string name, Func<Target, CancellationToken, Task<OperationResult>> execute)
    {
        ArgumentNullException.ThrowIfNull(execute);
        return FromDelegate(name, (target, _, ct) => execute(target, ct));
    }
}
