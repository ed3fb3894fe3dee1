using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>
/// Does nothing on the target and succeeds at once — no session is opened, nothing is sent or started (API
/// <c>action.type = noop</c>, run kind <c>noop</c>). A run of it goes through everything else a real run does — selection,
/// waves, the recorder, history, events and, in a cluster, leases to the workers — so it checks a selection and a cluster
/// without touching a machine, and measures the machinery's own throughput (docs/performance.md "A8 scale-out").
/// </summary>
public sealed class NoopOperation : IOperation
{
    private static readonly Task<OperationResult> Done = Task.FromResult(OperationResult.Succeeded(exitCode: null));

    /// <summary>The one instance: the operation has no state.</summary>
    public static NoopOperation Instance { get; } = new();

    private NoopOperation()
    {
    }

    /// <inheritdoc/>
    public string Name => "noop";

    /// <inheritdoc/>
    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<OperationResult>(cancellationToken) : Done;
}
