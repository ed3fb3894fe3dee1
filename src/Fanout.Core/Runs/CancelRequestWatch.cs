using Microsoft.Extensions.Logging;

namespace Fanout.Runs;

/// <summary>
/// The owner's side of cancel-through-the-store (SPEC A9): polls <see cref="IRunStore.GetCancelRequestAsync"/> for one
/// run and cancels <see cref="Token"/> when a request appears, so <c>fanout cancel</c>, the API and the UI stop a run
/// whichever process owns it. A store error while polling is logged and polling goes on.
/// </summary>
public sealed partial class CancelRequestWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private CancelRequestWatch(IRunStore store, string runId, TimeSpan interval, TimeProvider time, ILogger logger, CancellationToken outer)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _loop = Task.Run(() => PollAsync(store, runId, interval, time, logger));
    }

    /// <summary>Cancelled when the outer token is, or when a cancel request for the run is stored.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The request that cancelled the run, or <see langword="null"/>.</summary>
    public CancelRequest? Request { get; private set; }

    /// <summary>Starts polling every <paramref name="interval"/>.</summary>
    public static CancelRequestWatch Start(IRunStore store, string runId, TimeSpan interval, TimeProvider? time = null, ILogger? logger = null, CancellationToken outer = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return new CancelRequestWatch(store, runId, interval, time ?? TimeProvider.System, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, outer);
    }

    private async Task PollAsync(IRunStore store, string runId, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        while (!_stop.IsCancellationRequested && !_cancel.IsCancellationRequested)
        {
            try
            {
                // Checked at once, then every interval: a request stored while the run was queued stops it as it starts.
                if (await store.GetCancelRequestAsync(runId, _stop.Token).ConfigureAwait(false) is { } request)
                {
                    Request = request;
                    Log.Cancelling(logger, runId, request.Actor);
                    await _cancel.CancelAsync().ConfigureAwait(false);
                    return;
                }

                await Task.Delay(interval, time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.PollFailed(logger, runId, e);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _cancel.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Run {RunId} is cancelled at the request of {Actor}")]
        public static partial void Cancelling(ILogger logger, string runId, string actor);

        [LoggerMessage(2, LogLevel.Warning, "Run {RunId}: reading cancel requests from the store failed; still polling")]
        public static partial void PollFailed(ILogger logger, string runId, Exception exception);
    }
}
