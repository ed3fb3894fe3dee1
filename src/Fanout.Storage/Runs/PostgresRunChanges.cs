using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fanout.Storage;

/// <summary>
/// LISTENs on channel <c>fanout_runs</c> over one dedicated connection (not pooled, so the LISTEN never leaks into the pool)
/// and completes the waiters of the notified run id (see migration 0014). When the connection breaks, every waiter is woken
/// (followers re-read the store), followers poll at the short interval, and the listener reconnects.
/// </summary>
internal sealed partial class PostgresRunChanges : RunChanges
{
    /// <summary>The channel the store's triggers notify.</summary>
    public const string Channel = "fanout_runs";

    /// <summary>How long a follower waits without a notification before it re-reads the store anyway (a lost notification).</summary>
    public static readonly TimeSpan Fallback = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task _loop = Task.CompletedTask;
    private volatile bool _listening;
    private long _received;

    private PostgresRunChanges(string connectionString, TimeProvider time, ILogger logger)
    {
        // A connection of its own, outside the pool, kept alive by TCP keepalives as well as the periodic probe.
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 }.ConnectionString;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts listening in the background.</summary>
    public static PostgresRunChanges Start(string connectionString, TimeProvider time, ILogger logger)
    {
        var changes = new PostgresRunChanges(connectionString, time, logger);
        changes._loop = Task.Run(changes.ListenLoopAsync);
        return changes;
    }

    public override bool Listening => _listening;

    public override long Received => Interlocked.Read(ref _received);

    public override Task Next(string? runId) =>
        _waiters.GetOrAdd(runId ?? string.Empty, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public override async Task WaitAsync(Task change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        TimeSpan wait = _listening ? Fallback : PolledRunChanges.Interval;
        try
        {
            await change.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The fallback poll: re-read the store anyway.
        }
    }

    /// <summary>Wakes the waiters of <paramref name="runId"/> and of any run.</summary>
    internal void Signal(string runId)
    {
        Interlocked.Increment(ref _received);
        Wake(runId);
        Wake(string.Empty);
    }

    private void Wake(string key)
    {
        if (_waiters.TryRemove(key, out TaskCompletionSource? waiter))
        {
            waiter.TrySetResult();
        }
    }

    private void WakeAll()
    {
        foreach (string key in _waiters.Keys)
        {
            Wake(key);
        }
    }

    private async Task ListenLoopAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, e) => Signal(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                _listening = true;
                WakeAll(); // anything committed before the LISTEN is read by the followers now
                while (!stop.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(Probe, stop).ConfigureAwait(false))
                    {
                        // Quiet for a while: make sure the connection is still there (a silent network loss).
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                LogLost(_logger, e.Message);
            }

            _listening = false;
            WakeAll();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _listening = false;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        WakeAll();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the LISTEN connection for run changes was lost ({Reason}); followers poll the store until it is back")]
    private static partial void LogLost(ILogger logger, string reason);
}
