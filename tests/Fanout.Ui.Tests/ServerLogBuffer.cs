using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fanout.Ui.Tests;

/// <summary>
/// The server's most recent log lines (request lines with status and duration, warnings, errors with their exception), kept
/// in memory so a failing UI test can say what the server did instead of only "timeout" or "500".
/// </summary>
internal sealed class ServerLogBuffer : ILoggerProvider
{
    private const int Capacity = 400;
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public string Tail(int count = 60) => string.Join("\n", _lines.ToArray().TakeLast(count));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(ServerLogBuffer buffer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        // Request lines (Information) and everything at Warning or above; not the framework's chatter.
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || (logLevel >= LogLevel.Information && category.StartsWith("Fanout.", StringComparison.Ordinal));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                buffer.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
            }
        }
    }
}
