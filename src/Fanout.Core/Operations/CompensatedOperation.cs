using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>
/// An operation with a compensating command as its rollback (<c>--atomic --rollback COMMAND</c>,
/// SPEC X4): runs <see cref="Inner"/>; rolling back a target runs <see cref="Rollback"/> on it
/// through the same session.
/// </summary>
public sealed class CompensatedOperation : IOperation
{
    /// <summary>Creates the operation.</summary>
    /// <param name="inner">The operation to run.</param>
    /// <param name="rollback">The compensating command run on each succeeded target when an atomic batch fails.</param>
    public CompensatedOperation(IOperation inner, CommandSpec rollback)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(rollback);
        Inner = inner;
        Rollback = rollback;
    }

    /// <summary>The operation that runs.</summary>
    public IOperation Inner { get; }

    /// <summary>The compensating command.</summary>
    public CommandSpec Rollback { get; }

    /// <inheritdoc />
    public string Name => Inner.Name;

    /// <inheritdoc />
    /// <value>Always <see langword="true"/>.</value>
    public bool SupportsRollback => true;

    /// <inheritdoc />
    public string? Validate(Target target) => Inner.Validate(target);

    /// <inheritdoc />
    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken) =>
        Inner.ExecuteAsync(target, context, cancellationToken);

    /// <inheritdoc />
    public async Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ISession session = await context.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        return await CommandOperation.RunAsync(session, Rollback, context, cancellationToken).ConfigureAwait(false);
    }
}
