using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Runs;

/// <summary>Wraps an operation so each attempt is recorded as running, durably, before it executes.</summary>
internal sealed class RecordingOperation(IOperation inner, RunRecorder recorder) : IOperation
{
    public string Name => inner.Name;

    public bool SupportsRollback => inner.SupportsRollback;

    public string? Validate(Target target) => inner.Validate(target);

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        await recorder.MarkStartedAsync(target.Name, context.Attempt, context.Wave, cancellationToken).ConfigureAwait(false);
        return await inner.ExecuteAsync(target, context, cancellationToken).ConfigureAwait(false);
    }

    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken) =>
        inner.RollbackAsync(target, context, cancellationToken);
}
