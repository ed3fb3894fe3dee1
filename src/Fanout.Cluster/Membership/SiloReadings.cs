using Microsoft.Extensions.Logging;

namespace Fanout.Cluster.Membership;

/// <summary>
/// The silos a clustered <c>fanout serve</c> shows on <c>/metrics</c>, read from the same source as <c>GET /api/cluster</c>
/// (<see cref="ClusterDirectory"/>: Orleans' membership table joined with <c>cluster_members</c>). A scrape reads the store at
/// most every <see cref="RefreshInterval"/>; a read that fails or takes longer than <see cref="ReadTimeout"/> keeps the last
/// values (a scrape never fails because the store is briefly unavailable) and is tried again after the interval.
/// </summary>
internal sealed partial class SiloReadings(ClusterDirectory directory, TimeProvider time, ILogger<SiloReadings> logger)
{
    /// <summary>The store is read at most this often, however often <c>/metrics</c> is scraped.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>A read taking longer is abandoned; the scrape gets the last values.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A silo that is no longer active is shown (<c>silo_up 0</c>) until this long after its last report, then dropped.</summary>
    public static readonly TimeSpan GoneRetention = TimeSpan.FromMinutes(10);

    /// <summary>At most this many silos that are no longer active are shown (the most recently seen): a crash loop cannot grow the series without bound.</summary>
    public const int MaxGone = 32;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Reading? _last;
    private long _triedAt; // UTC ticks of the last read tried; 0: never

    /// <summary>When the silos were last read from the store, or <see langword="null"/> if no read has succeeded yet.</summary>
    public DateTimeOffset? ReadAt => Volatile.Read(ref _last)?.At;

    /// <summary>How long ago the silos were last read from the store, or <see langword="null"/> if no read has succeeded yet.</summary>
    public TimeSpan? Age => ReadAt is { } at ? time.GetUtcNow() - at : null;

    /// <summary>The silos to show now (see <see cref="Select"/>), from the last successful read.</summary>
    public IReadOnlyList<ClusterSilo> Current => Volatile.Read(ref _last) is { } last ? Select(last.Silos, time.GetUtcNow()) : [];

    /// <summary>Reads the silos again unless they were read (or tried) less than <see cref="RefreshInterval"/> ago.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (TriedRecently(time.GetUtcNow()))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            DateTimeOffset now = time.GetUtcNow();
            if (TriedRecently(now))
            {
                return; // another scrape read them while this one waited
            }

            Interlocked.Exchange(ref _triedAt, now.UtcTicks);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadTimeout);
            try
            {
                IReadOnlyList<ClusterSilo> silos = await directory.ListAsync(timeout.Token).ConfigureAwait(false);
                Volatile.Write(ref _last, new Reading(silos, time.GetUtcNow()));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is Npgsql.NpgsqlException or TimeoutException or OperationCanceledException)
            {
                LogReadFailed(logger, ReadAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never", e.Message);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool TriedRecently(DateTimeOffset now) => now.UtcTicks - Interlocked.Read(ref _triedAt) < RefreshInterval.Ticks;

    /// <summary>
    /// The silos worth a series: every silo that has written its <c>cluster_members</c> row (role known) and is active, plus at
    /// most <see cref="MaxGone"/> that are not (joining, shutting down, dead…) whose last report is less than
    /// <see cref="GoneRetention"/> old — the most recently seen first. Orleans keeps dead silos in its table for days; a
    /// series per restart for that long would grow without bound.
    /// </summary>
    public static IReadOnlyList<ClusterSilo> Select(IReadOnlyList<ClusterSilo> silos, DateTimeOffset now)
    {
        IEnumerable<ClusterSilo> known = silos.Where(s => s.Role is not "unknown");
        IEnumerable<ClusterSilo> active = known.Where(s => s.Status == "active");
        IEnumerable<ClusterSilo> gone = known.Where(s => s.Status != "active" && now - s.UpdatedAt < GoneRetention)
            .OrderByDescending(s => s.UpdatedAt).Take(MaxGone);
        return [.. active.Concat(gone).OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Silo, StringComparer.Ordinal)];
    }

    private sealed record Reading(IReadOnlyList<ClusterSilo> Silos, DateTimeOffset At);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not read the cluster's silos for /metrics (showing those read at {ReadAt}): {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string readAt, string reason);
}
