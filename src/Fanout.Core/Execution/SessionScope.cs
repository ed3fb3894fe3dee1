using Fanout.Inventory;
using Fanout.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fanout.Execution;

/// <summary>
/// Sessions shared by several <see cref="BatchExecutor"/> calls — e.g. the steps of one workflow run — so that a
/// host is connected to once per scope rather than once per call (ARCHITECTURE: "opened per wave, reused by every
/// operation of the run"). A session is opened on first use, reused by later calls for the same target (by name),
/// reopened after a lost connection, and closed when the scope is disposed. Concurrency is still bounded by each
/// call's <see cref="ExecutionOptions.MaxConcurrency"/>; sessions must tolerate concurrent commands (local and SSH do).
/// Thread-safe.
/// </summary>
public sealed class SessionScope : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly TransportRegistry _transports;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Task<ISession>> _open = new(StringComparer.Ordinal);
    private bool _disposed;
    private int _opened;

    /// <summary>Creates an empty scope.</summary>
    /// <param name="transports">The transports sessions are opened through.</param>
    /// <param name="logger">Where close failures are logged. The default value logs nothing.</param>
    public SessionScope(TransportRegistry transports, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transports);
        _transports = transports;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How many sessions this scope has opened so far (reopens included).</summary>
    public int OpenedCount => Volatile.Read(ref _opened);

    /// <summary>How many sessions are open now.</summary>
    public int OpenCount
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    internal async ValueTask<ISession> GetAsync(Target target, CancellationToken cancellationToken)
    {
        Task<ISession> opening;
        string key = target.Transport + "\0" + target.Name;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_open.TryGetValue(key, out opening!) || opening.IsFaulted || opening.IsCanceled)
            {
                // The open is not tied to one caller's token: later calls reuse the session.
                opening = _transports.Get(target.Transport).OpenAsync(target, CancellationToken.None).AsTask();
                _open[key] = opening;
                Interlocked.Increment(ref _opened);
            }
        }

        return await opening.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    internal async ValueTask InvalidateAsync(Target target)
    {
        Task<ISession>? opening;
        lock (_gate)
        {
            _open.Remove(target.Transport + "\0" + target.Name, out opening);
        }

        if (opening is not null)
        {
            await CloseAsync(opening).ConfigureAwait(false);
        }
    }

    /// <summary>Closes every session of the scope.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<ISession>[] sessions;
        lock (_gate)
        {
            _disposed = true;
            sessions = [.. _open.Values];
            _open.Clear();
        }

        foreach (Task<ISession> opening in sessions)
        {
            await CloseAsync(opening).ConfigureAwait(false);
        }
    }

    private async ValueTask CloseAsync(Task<ISession> opening)
    {
        try
        {
            ISession session = await opening.ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Closing is best effort; a session that never opened was reported by the attempt that needed it.
            ExecutionLog.SessionCloseFailed(_logger, "(shared)", ex);
        }
    }
}
