using Fanout.Cluster.Membership;
using Orleans.Runtime;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The coordinator's view of the workers: the silos Orleans' membership has active now (a dead silo drops out at once),
/// their capacity from <c>cluster_members</c> (re-read every two seconds), and the leases this process holds on each.
/// It hands out the least-loaded live worker.
/// </summary>
internal sealed class WorkerDirectory(IClusterMembershipService membership, ClusterDirectory directory, TimeProvider time)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, int> _outstanding = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private IReadOnlyList<ClusterSilo> _members = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private ActiveSilos? _active;

    /// <summary>Leases this process holds on <paramref name="silo"/> now.</summary>
    public int Outstanding(string silo)
    {
        lock (_outstanding)
        {
            return _outstanding.GetValueOrDefault(silo);
        }
    }

    /// <summary>
    /// Whether a live worker has every one of <paramref name="labels"/> (any live worker when <see langword="null"/>), read
    /// afresh from the store: a run asking for labels no live worker has is refused when it is submitted.
    /// </summary>
    public async Task<bool> AnyLiveAsync(IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        _readAt = DateTimeOffset.MinValue;
        IReadOnlyList<ClusterSilo> members = await MembersAsync(cancellationToken).ConfigureAwait(false);
        HashSet<string> active = Active();
        return members.Any(m => IsWorker(m) && active.Contains(m.Silo) && Runs.WorkerLabels.Satisfies(m.Labels, labels));
    }

    /// <summary>
    /// Waits for a live worker other than <paramref name="excluded"/> that has every one of <paramref name="labels"/> (any
    /// worker when <see langword="null"/>) and counts a lease on it; dispose the result to release it. Waits (polling once a
    /// second) while no such worker is alive, until <paramref name="cancellationToken"/> — the target's timeout or the run's
    /// cancellation — ends the wait.
    /// </summary>
    public async Task<WorkerSlotLease> AcquireAsync(IReadOnlySet<string> excluded, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        while (true)
        {
            IReadOnlyList<ClusterSilo> members = await MembersAsync(cancellationToken).ConfigureAwait(false);
            HashSet<string> active = Active();
            ClusterSilo? best = null;
            double bestLoad = double.MaxValue;
            lock (_outstanding)
            {
                foreach (ClusterSilo m in members)
                {
                    if (!IsWorker(m) || !active.Contains(m.Silo) || excluded.Contains(m.Silo) || !Runs.WorkerLabels.Satisfies(m.Labels, labels))
                    {
                        continue;
                    }

                    double load = (double)_outstanding.GetValueOrDefault(m.Silo) / Math.Max(1, m.MaxTargets);
                    if (load < bestLoad)
                    {
                        (best, bestLoad) = (m, load);
                    }
                }

                if (best is not null)
                {
                    _outstanding[best.Silo] = _outstanding.GetValueOrDefault(best.Silo) + 1;
                    return new WorkerSlotLease(this, best.Silo, best.Name);
                }
            }

            _readAt = DateTimeOffset.MinValue; // no worker: re-read the table on the next try
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    // The active silos of the current membership snapshot, built once per snapshot version (not once per target).
    private HashSet<string> Active()
    {
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        ActiveSilos? active = Volatile.Read(ref _active);
        if (active is null || active.Version != snapshot.Version)
        {
            active = new ActiveSilos(snapshot.Version, snapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active)
                .Select(m => m.SiloAddress.ToParsableString())
                .ToHashSet(StringComparer.Ordinal));
            Volatile.Write(ref _active, active);
        }

        return active.Silos;
    }

    private sealed record ActiveSilos(MembershipVersion Version, HashSet<string> Silos);

    private static bool IsWorker(ClusterSilo m) => m.Role is Hosting.ClusterRoles.Worker or Hosting.ClusterRoles.All;

    internal void Release(string silo)
    {
        lock (_outstanding)
        {
            int left = _outstanding.GetValueOrDefault(silo) - 1;
            if (left <= 0)
            {
                _outstanding.Remove(silo);
            }
            else
            {
                _outstanding[silo] = left;
            }
        }
    }

    private async Task<IReadOnlyList<ClusterSilo>> MembersAsync(CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _readAt < Refresh)
        {
            return _members;
        }

        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (time.GetUtcNow() - _readAt >= Refresh)
            {
                _members = await directory.ListAsync(cancellationToken).ConfigureAwait(false);
                _readAt = time.GetUtcNow();
            }

            return _members;
        }
        finally
        {
            _refreshing.Release();
        }
    }
}

/// <summary>A lease counted on one worker until disposed.</summary>
internal sealed class WorkerSlotLease(WorkerDirectory directory, string silo, string name) : IDisposable
{
    private int _released;

    public string Silo { get; } = silo;

    public string Name { get; } = name;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            directory.Release(Silo);
        }
    }
}
