using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>
/// The operation contract (SPEC C1): validated per target before it runs, executed per target,
/// optionally rolled back. Implementations must be thread-safe: the executor calls them for
/// many targets at once.
/// </summary>
public interface IOperation
{
    /// <summary>The operation name shown in progress, results and history.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="RollbackAsync"/> undoes <see cref="ExecuteAsync"/>.</summary>
    bool SupportsRollback => false;

    /// <summary>Checks that the operation can run on <paramref name="target"/>. Called before execution; an error becomes a failed result whose error says "validation failed".</summary>
    /// <returns><see langword="null"/> when valid, else the reason.</returns>
    string? Validate(Target target) => null;

    /// <summary>Runs the operation on one target. Expected failures are returned as a failed <see cref="OperationResult"/>, not thrown.</summary>
    Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken);

    /// <summary>Undoes a successful <see cref="ExecuteAsync"/> on one target.</summary>
    /// <exception cref="NotSupportedException">The operation has no rollback (<see cref="SupportsRollback"/> is false).</exception>
    Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => throw new NotSupportedException($"Operation '{Name}' has no rollback.");
}
