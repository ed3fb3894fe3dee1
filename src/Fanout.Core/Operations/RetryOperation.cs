using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>Retries an operation inside one attempt (<see cref="Operation.Retry"/>).</summary>
internal sealed class RetryOperation(IOperation inner, int attempts, TimeSpan delay, Backoff backoff) : IOperation
{
    public string Name => inner.Name;

    public bool SupportsRollback => inner.SupportsRollback;

    public string? Validate(Target target) => inner.Validate(target);

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            OperationResult result;
            try
            {
                result = await inner.ExecuteAsync(target, context, cancellationToken).ConfigureAwait(false);
            }
            catch (TransportException ex) when (attempt < attempts)
            {
                result = OperationResult.Failed(ex.Message);
            }

            if (result.Success || attempt >= attempts)
            {
                return attempt == 1 ? result : result with { Data = WithTries(result.Data, attempt) };
            }

            TimeSpan wait = RetryDelay.Compute(delay, backoff, attempt, null, jitter: false, Random.Shared);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, context.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        => inner.RollbackAsync(target, context, cancellationToken);

    private static Dictionary<string, object?> WithTries(IReadOnlyDictionary<string, object?>? data, int tries)
    {
        var copy = data is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(data);
        copy["tries"] = tries;
        return copy;
    }
}
