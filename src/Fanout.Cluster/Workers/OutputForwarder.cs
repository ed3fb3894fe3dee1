using System.Threading.Channels;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Sends what the targets of one report channel print back to their coordinator while they run, as interim
/// <see cref="TargetReport"/>s: about once a <see cref="Interval"/> per lease that printed, the bytes since the previous one.
/// Memory is bounded: at most <see cref="ChunkCap"/> bytes wait per stream; a stream that prints more than that between two
/// sends stops being forwarded (never a gap: what was sent is the stream's exact start) and its coordinator gets the rest
/// with the final report, as before. The coordinator feeds the bytes to the attempt's own output captures, so its live view
/// and its recorder's partial rows show them like a local target's. A lease's interim reports are never written after its
/// final one (<see cref="Finish"/>).
/// </summary>
internal sealed class OutputForwarder(string worker, ChannelWriter<TargetReport> reports)
{
    /// <summary>The most bytes per stream waiting between two sends.</summary>
    public const int ChunkCap = 16 * 1024;

    /// <summary>How often waiting bytes are sent.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Waiting> _waiting = [];

    /// <summary>What a target of <paramref name="lease"/> printed (the worker executor's output observer).</summary>
    public void Observe(TargetLease lease, string stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            if (!_waiting.TryGetValue(lease.LeaseId, out Waiting? waiting))
            {
                waiting = new Waiting(lease);
                _waiting[lease.LeaseId] = waiting;
            }

            (stream == "stderr" ? waiting.Stderr : waiting.Stdout).Add(data);
        }
    }

    /// <summary>Writes <paramref name="final"/>, the lease's final report, after dropping what of it waits (the final report has it all).</summary>
    public void Finish(TargetReport final)
    {
        lock (_lock)
        {
            _waiting.Remove(final.LeaseId);
            reports.TryWrite(final);
        }
    }

    /// <summary>Sends waiting bytes every <see cref="Interval"/> until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Interval, stop).ConfigureAwait(false);
                Send();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The channel ended: the final reports carried the rest.
        }
    }

    private void Send()
    {
        lock (_lock)
        {
            foreach (Waiting w in _waiting.Values)
            {
                if (w.Stdout.Waiting == 0 && w.Stderr.Waiting == 0)
                {
                    continue;
                }

                reports.TryWrite(new TargetReport
                {
                    LeaseId = w.Lease.LeaseId,
                    Epoch = w.Lease.Epoch,
                    Worker = worker,
                    State = "running",
                    Interim = true,
                    Stdout = w.Stdout.Take(),
                    Stderr = w.Stderr.Take(),
                });
            }
        }
    }

    private sealed class Waiting(TargetLease lease)
    {
        public TargetLease Lease => lease;

        public Chunk Stdout { get; } = new();

        public Chunk Stderr { get; } = new();
    }

    private sealed class Chunk
    {
        private MemoryStream? _bytes;
        private bool _stopped;

        public int Waiting => (int)(_bytes?.Length ?? 0);

        public void Add(ReadOnlySpan<byte> data)
        {
            if (_stopped)
            {
                return;
            }

            if (Waiting + data.Length > ChunkCap)
            {
                _stopped = true;
                _bytes = null;
                return;
            }

            (_bytes ??= new MemoryStream()).Write(data);
        }

        public byte[] Take()
        {
            byte[] taken = _bytes?.ToArray() ?? [];
            _bytes = null;
            return taken;
        }
    }
}
