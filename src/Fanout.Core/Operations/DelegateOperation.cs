using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>An operation made of delegates (<see cref="Operation.FromDelegate(string, Func{Target, OperationContext, CancellationToken, Task{OperationResult}}, Func{Target, OperationContext, CancellationToken, Task{OperationResult}}?, Func{Target, string?}?)"/>).</summary>
internal sealed class DelegateOperation(
    string name,
    Func<Target, OperationContext, CancellationToken, Task<OperationResult>> execute,
    Func<Target, OperationContext, CancellationToken, Task<OperationResult>>? rollback,
    Func<Target, string?>? validate) : IOperation
{
    public string Name => name;

    public bool SupportsRollback => rollback is not null;

    public string? Validate(Target target) => validate?.Invoke(target);

    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => execute(target, context, cancellationToken);

    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => rollback is null
            ? throw new NotSupportedException($"Operation '{name}' has no rollback.")
            : rollback(target, context, cancellationToken);
}
