using System.Collections.Concurrent;
using System.Threading.Channels;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// A report channel while it is open on this silo (<see cref="IWorkerGrain.OpenAsync"/>): the run it serves, the coordinator
/// that opened it (see <see cref="WorkerRuntime.CoordinatorsDead"/>), the reports of every lease granted on it waiting to be
/// read, and what its running targets printed waiting to be forwarded.
/// </summary>
internal sealed class WorkerChannel : IDisposable
{
    private readonly CancellationTokenSource _ended = new();
    private readonly Channel<TargetReport> _reports = Channel.CreateUnbounded<TargetReport>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, byte> _running = new();
    private bool _disposed;
    private bool _draining;
    private long _granted;

    public WorkerChannel(LeaseBatch opening, string worker)
    {
        Opening = opening;
        Forwarder = new OutputForwarder(worker, _reports.Writer);
    }

    /// <summary>What opened the channel: the run, its definition, the coordinator.</summary>
    public LeaseBatch Opening { get; }

    public Guid Id => Opening.Channel;

    public SiloAddress Coordinator => Opening.Coordinator;

    /// <summary>Sends what the channel's running targets print, about once a second.</summary>
    public OutputForwarder Forwarder { get; }

    /// <summary>Cancelled when the channel ends: closed by its coordinator, or the coordinator declared dead.</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>The reports to stream back, in the order written.</summary>
    public ChannelReader<TargetReport> Reports => _reports.Reader;

    /// <summary>Leases granted on the channel so far.</summary>
    public long Granted => Interlocked.Read(ref _granted);

    /// <summary>Leases granted on the channel: they run here until <see cref="Done"/>. False when the channel has ended or is draining.</summary>
    public bool Running(TargetLease[] leases)
    {
        lock (_ended)
        {
            if (_draining || _disposed || _ended.IsCancellationRequested)
            {
                return false;
            }

            foreach (TargetLease lease in leases)
            {
                _running.TryAdd(lease.LeaseId, 0);
            }

            _granted += leases.Length;
            return true;
        }
    }

    /// <summary>A lease of the channel is done here (its final report written, or dropped with the channel).</summary>
    public void Done(Guid lease)
    {
        _running.TryRemove(lease, out _);
        if (Volatile.Read(ref _draining) && _running.IsEmpty)
        {
            _reports.Writer.TryComplete();
        }
    }

    /// <summary>
    /// The silo stops: no lease is granted on the channel any more, and its stream ends once the leases running on it (being
    /// stopped with the silo) have written their final reports — so their coordinator re-issues them only after they stopped here.
    /// </summary>
    public void Drain()
    {
        lock (_ended)
        {
            _draining = true;
            if (_running.IsEmpty)
            {
                _reports.Writer.TryComplete();
            }
        }
    }

    /// <summary>
    /// Ends the channel: no report is taken after this (its stream ends once the ones queued are read) and its running targets are
    /// stopped. Returns how many
    /// leases were running on it (0 if it had ended already).
    /// </summary>
    public int End()
    {
        lock (_ended)
        {
            if (_disposed || _ended.IsCancellationRequested)
            {
                return 0;
            }

            _reports.Writer.TryComplete(); // first, so the reports of the targets being stopped are dropped
            _ended.Cancel();
            return _running.Count;
        }
    }

    public void Dispose()
    {
        lock (_ended)
        {
            _disposed = true;
            _ended.Dispose();
        }
    }
}
