using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Workflows.Engine;

/// <summary>Records a target's start through <see cref="StepTargetEvents"/> before the step's operation runs on it.</summary>
internal sealed class StepRecordingOperation(IOperation inner, StepTargetEvents events) : IOperation
{
    public string Name => inner.Name;

    public bool SupportsRollback => inner.SupportsRollback;

    public string? Validate(Target target) => inner.Validate(target);

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        await events.MarkStartedAsync(target, context, cancellationToken).ConfigureAwait(false);
        return await inner.ExecuteAsync(target, context, cancellationToken).ConfigureAwait(false);
    }

    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken) =>
        inner.RollbackAsync(target, context, cancellationToken);
}
