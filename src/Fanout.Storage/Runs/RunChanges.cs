using Fanout.Runs;
using Microsoft.Extensions.Logging;

namespace Fanout.Storage;

/// <summary>
/// Wakes followers of runs (SSE streams of runs another process executes) when a run's events or status may have changed.
/// With PostgreSQL, the store's triggers NOTIFY every commit that appends events or writes a run row and
/// <see cref="PostgresRunChanges"/> LISTENs, so followers wake at once and poll only as a slow fallback; with SQLite (no
/// notifications across processes) <see cref="PolledRunChanges"/> polls as before.
/// </summary>
internal abstract class RunChanges : IAsyncDisposable
{
    /// <summary>
    /// A task that completes at the next change of <paramref name="runId"/> (of any run when <see langword="null"/>). Take it
    /// <em>before</em> reading the store, then <see cref="WaitAsync"/> on it: a change committed in between is not missed.
    /// </summary>
    public abstract Task Next(string? runId);

    /// <summary>Whether changes are being pushed now (false: followers poll at the short interval).</summary>
    public abstract bool Listening { get; }

    /// <summary>Notifications received since start (0 for a polled store).</summary>
    public abstract long Received { get; }

    /// <summary>
    /// Waits for <paramref name="change"/> (from <see cref="Next"/>), at most the fallback poll interval: long while
    /// <see cref="Listening"/>, short otherwise.
    /// </summary>
    public abstract Task WaitAsync(Task change, CancellationToken cancellationToken);

    /// <summary>The waker for <paramref name="store"/>: notifications for a PostgreSQL store (started here), polling otherwise.</summary>
    public static RunChanges For(IRunStore store, TimeProvider time, ILogger logger) =>
        store is AdoRunStore { Database: PostgresDatabase postgres }
            ? PostgresRunChanges.Start(postgres.ConnectionString, time, logger)
            : new PolledRunChanges(time);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Polling every <see cref="Interval"/> (SQLite: no notifications across processes).</summary>
internal sealed class PolledRunChanges(TimeProvider time) : RunChanges
{
    /// <summary>How often a follower re-reads the store.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public override bool Listening => false;

    public override long Received => 0;

    private static readonly Task Never = new TaskCompletionSource().Task;

    public override Task Next(string? runId) => Never;

    public override Task WaitAsync(Task change, CancellationToken cancellationToken) => Task.Delay(Interval, time, cancellationToken);
}
