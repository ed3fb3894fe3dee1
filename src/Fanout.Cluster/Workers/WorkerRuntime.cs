using System.Collections.Concurrent;
using Fanout.Cluster.Hosting;
using Fanout.Inventory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// What a worker silo does with the leases its coordinators grant: each coordinator opens one report channel per run
/// (<see cref="OpenAsync"/>) and grants leases on it (<see cref="Grant"/>). The worker rebuilds the run's operation from its
/// definition (once per run, cached), finds the targets in the inventory the definition names, and runs each grant's targets
/// through one <see cref="BatchExecutor"/> — the same executor a single-process run uses, with its sessions, output capture,
/// cancellation and process-group kills — reporting each target on the channel as it ends. Retries, waves, failure policy and
/// the timeout belong to the coordinator; the worker runs one attempt per lease.
/// </summary>
internal sealed partial class WorkerRuntime(ClusterSettings settings, IHostApplicationLifetime lifetime, ILogger<WorkerRuntime> logger)
{
    private static readonly TimeSpan CacheIdle = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _slots = new(settings.MaxTargets, settings.MaxTargets);
    private readonly ConcurrentDictionary<string, ResolvedRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StampedInventory> _inventories = new(StringComparer.Ordinal); // by sources
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _leases = new();
    private readonly ConcurrentDictionary<Guid, byte> _cancelledEarly = new();
    private readonly ConcurrentDictionary<Guid, WorkerChannel> _channels = new();
    private readonly GrantLogger _grantLogger = new(logger);
    private readonly ClusterSettings _settings = settings;
    private readonly IHostApplicationLifetime _lifetime = lifetime;
    private readonly ILogger _logger = logger;
    private IReadOnlySet<SiloAddress> _deadCoordinators = new HashSet<SiloAddress>();
    private int _running;
    private long _completed;

    /// <summary>Targets running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Targets this silo has finished since it started.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>
    /// Opens the report channel of <paramref name="opening"/>, runs its first leases, and yields an
    /// <see cref="TargetReport.Opened"/> report and then every report of the channel's leases until the channel ends (closed by
    /// its coordinator, <see cref="Close"/>, or the coordinator declared dead). Nothing runs for a coordinator already dead.
    /// </summary>
    public async IAsyncEnumerable<TargetReport> OpenAsync(LeaseBatch opening)
    {
        var channel = new WorkerChannel(opening, _settings.Name);
        if (!_channels.TryAdd(channel.Id, channel))
        {
            channel.Dispose();
            throw new InvalidOperationException($"channel {channel.Id} is open already");
        }

        try
        {
            // Registered before the dead coordinators are read, and they are published before the channels are scanned
            // (CoordinatorsDead): a channel opening meanwhile is seen by one side or the other.
            if (Volatile.Read(ref _deadCoordinators).Contains(channel.Coordinator))
            {
                LogOrphaned(_logger, channel.Coordinator.ToParsableString(), opening.RunId, opening.Leases.Length);
                yield break;
            }

            LogChannelOpened(_logger, opening.RunId, channel.Coordinator.ToParsableString());
            yield return new TargetReport { LeaseId = Guid.Empty, Worker = _settings.Name, State = "open", Opened = true };
            Task forwarding = channel.Forwarder.RunAsync(channel.Ended);
            Grant(channel, opening.Leases);
            // A stopping silo drains its channels, so Orleans' shutdown never waits on a stream that would not end.
            using (_lifetime.ApplicationStopping.Register(static c => ((WorkerChannel)c!).Drain(), channel))
            {
                await foreach (TargetReport report in channel.Reports.ReadAllAsync().ConfigureAwait(false))
                {
                    yield return report;
                }
            }

            channel.End(); // stops the forwarder
            await forwarding.ConfigureAwait(false);
        }
        finally
        {
            // Closed, orphaned, or the stream given up by Orleans (its reader is gone): nothing of it keeps running.
            if (_channels.TryRemove(channel.Id, out _))
            {
                channel.End();
                LogChannelEnded(_logger, opening.RunId, channel.Granted);
            }
        }
    }

    /// <summary>Runs <paramref name="leases"/> under the open channel <paramref name="channelId"/>.</summary>
    /// <exception cref="SiloUnavailableException">The channel is not open on this silo.</exception>
    public void Grant(Guid channelId, TargetLease[] leases)
    {
        if (!_channels.TryGetValue(channelId, out WorkerChannel? channel) || !Grant(channel, leases))
        {
            throw new SiloUnavailableException($"worker {_settings.Name} has no open channel {channelId}");
        }
    }

    /// <summary>Closes the channel <paramref name="channelId"/> (its coordinator has no lease left on it).</summary>
    public void Close(Guid channelId)
    {
        if (_channels.TryGetValue(channelId, out WorkerChannel? channel))
        {
            channel.End();
        }
    }

    // Registered on the channel at once (a draining channel waits for them), run off the grain's scheduler on the thread pool.
    private bool Grant(WorkerChannel channel, TargetLease[] leases)
    {
        if (!channel.Running(leases))
        {
            return false;
        }

        _ = Task.Run(() => RunLeasesAsync(channel, leases));
        return true;
    }

    /// <summary>Stops the targets of <paramref name="leaseIds"/> (the coordinator cancelled them: run cancelled, target timed out).</summary>
    public void Cancel(IEnumerable<Guid> leaseIds)
    {
        foreach (Guid id in leaseIds)
        {
            if (!_leases.TryGetValue(id, out CancellationTokenSource? cts))
            {
                // The cancel overtook its grant (messages are not ordered): the lease is cancelled as it registers.
                if (_cancelledEarly.Count < 10_000)
                {
                    _cancelledEarly.TryAdd(id, 0);
                }
            }
            else
            {
                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // ended meanwhile
                }
            }
        }
    }

    /// <summary>
    /// Called with the silos Orleans' membership now lists dead: every channel opened by one of them is orphaned — its targets
    /// are stopped (process groups killed, as on a coordinator's cancel) and its reports dropped. Nobody is left to read them,
    /// and another coordinator takes the run over and runs those targets again; letting them run on here would exceed the
    /// run's <c>--parallel</c>.
    /// </summary>
    /// <returns>How many targets were stopped.</returns>
    public int CoordinatorsDead(IReadOnlySet<SiloAddress> dead)
    {
        // Published before the scan, and a channel registers before it reads the set: a channel opening meanwhile is seen by
        // one side or the other.
        Interlocked.Exchange(ref _deadCoordinators, dead);
        int stopped = 0;
        foreach (WorkerChannel channel in _channels.Values)
        {
            if (dead.Contains(channel.Coordinator))
            {
                stopped += channel.End();
            }
        }

        return stopped;
    }

    /// <summary>
    /// Stops every target this silo runs now — their process groups are killed as on cancellation — and waits at most
    /// <paramref name="wait"/> for them to end. Called when Orleans tells this silo it was declared dead, just before the
    /// process ends: the coordinator re-issues those targets elsewhere, so none may keep running here.
    /// </summary>
    /// <returns>Whether every target ended in time.</returns>
    public bool AbortAll(TimeSpan wait)
    {
        _abort.Cancel();
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (Running > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        return Running == 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: coordinator {Coordinator} opened a report channel on this worker")]
    private static partial void LogChannelOpened(ILogger logger, string runId, string coordinator);

    [LoggerMessage(Level = LogLevel.Information, Message = "run {RunId}: report channel ended after {Leases} leases")]
    private static partial void LogChannelEnded(ILogger logger, string runId, long leases);

    [LoggerMessage(Level = LogLevel.Warning, Message = "coordinator {Coordinator} was declared dead before its channel of run {RunId} opened: its {Leases} targets are not run")]
    private static partial void LogOrphaned(ILogger logger, string coordinator, string runId, int leases);
}
