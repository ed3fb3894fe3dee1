using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>Runs an operation only where a predicate holds (<see cref="Operation.Conditional"/>).</summary>
internal sealed class ConditionalOperation(IOperation inner, Func<Target, bool> predicate) : IOperation
{
    public string Name => inner.Name;

    public bool SupportsRollback => inner.SupportsRollback;

    public string? Validate(Target target) => predicate(target) ? inner.Validate(target) : null;

    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => predicate(target)
            ? inner.ExecuteAsync(target, context, cancellationToken)
            : Task.FromResult(OperationResult.Skip($"condition of '{inner.Name}' is false"));

    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => predicate(target)
            ? inner.RollbackAsync(target, context, cancellationToken)
            : Task.FromResult(OperationResult.Skip());
}
