using Microsoft.Extensions.Logging;

namespace Fanout.Cluster.Workers;

/// <summary>
/// The logger of a grant's executor on a worker: its warnings and errors (a session that failed to close, targets abandoned)
/// are the worker's to log; its information lines ("run … on 1 targets", "run … finished") would be a pair per grant —
/// thousands per run, one grant being a lease or a few — so they are dropped. The worker logs each report channel instead.
/// </summary>
internal sealed class GrantLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
