using Fanout.Inventory;
using Fanout.Transports;
using Microsoft.Extensions.Logging;

namespace Fanout.Execution;

/// <summary>
/// The sessions a run has open, one per target, opened on first use (inside the target's
/// concurrency slot) and reused by every later operation on that target in the run. The executor
/// closes a target's session when the target is done with the run (its last step), and every
/// remaining session at the end of each wave (SPEC X2, X3, S2).
/// </summary>
internal sealed class SessionCache
{
    private readonly Lock _gate = new();
    private readonly TransportRegistry _transports;
    private readonly ILogger _logger;
    private readonly Dictionary<int, Task<ISession>> _open = [];
    private bool _closed;
    private int _count;

    public SessionCache(TransportRegistry transports, ILogger logger)
    {
        _transports = transports;
        _logger = logger;
    }

    /// <summary>Returns the session of target number <paramref name="key"/>, opening it if needed.</summary>
    public async ValueTask<ISession> GetAsync(int key, Target target, CancellationToken cancellationToken)
    {
        Task<ISession> opening;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_open.TryGetValue(key, out opening!))
            {
                opening = OpenAsync(target, cancellationToken);
                _open[key] = opening;
                _count = _open.Count;
            }
        }

        try
        {
            return await opening.ConfigureAwait(false);
        }
        catch
        {
            // A failed or cancelled open is forgotten so that a retry opens afresh.
            lock (_gate)
            {
                if (_open.TryGetValue(key, out Task<ISession>? current) && current == opening)
                {
                    _open.Remove(key);
                    _count = _open.Count;
                }
            }

            throw;
        }
    }

    /// <summary>Closes the session of one target, if open.</summary>
    public ValueTask ReleaseAsync(int key)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return ValueTask.CompletedTask; // the common case of operations that need no session
        }

        Task<ISession>? opening;
        lock (_gate)
        {
            _open.Remove(key, out opening);
            _count = _open.Count;
        }

        return opening is null ? ValueTask.CompletedTask : DisposeQuietlyAsync(opening);
    }


    /// <summary>Closes every open session (at the end of a wave). With <paramref name="final"/>, later opens are refused.</summary>
    public async ValueTask ReleaseAllAsync(bool final)
    {
        Task<ISession>[] sessions;
        lock (_gate)
        {
            _closed |= final;
            if (_open.Count == 0)
            {
                return;
            }

            sessions = [.. _open.Values];
            _open.Clear();
            _count = 0;
        }

        foreach (Task<ISession> opening in sessions)
        {
            await DisposeQuietlyAsync(opening).ConfigureAwait(false);
        }
    }

    private async Task<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
    {
        ITransport transport = _transports.Get(target.Transport);
        return await transport.OpenAsync(target, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask DisposeQuietlyAsync(Task<ISession> opening)
    {
        if (!opening.IsCompleted)
        {
            // An operation abandoned after the grace period may still be opening: close the
            // session when it arrives rather than holding up the end of the run.
            _ = opening.ContinueWith(
                static (t, state) => ((SessionCache)state!).DisposeQuietlyAsync(t).AsTask(),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return;
        }

        if (!opening.IsCompletedSuccessfully)
        {
            return; // never opened; the attempt that opened it already reported why
        }

        ISession session = opening.Result;

        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Closing is best effort: the target's outcome is already decided.
            ExecutionLog.SessionCloseFailed(_logger, session.Target.Name, ex);
        }
    }
}
