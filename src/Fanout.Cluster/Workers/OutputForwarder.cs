using System.Threading.Channels;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Sends what the targets of one lease batch print back to their coordinator while they run, as interim
/// <see cref="TargetReport"/>s: about once a <see cref="Interval"/> per target that printed, the bytes since the previous one.
/// Memory is bounded: at most <see cref="ChunkCap"/> bytes wait per stream; a stream that prints more than that between two
/// sends stops being forwarded (never a gap: what was sent is the stream's exact start) and its coordinator gets the rest
/// with the final report, as before. The coordinator feeds the bytes to the attempt's own output captures, so its live view
/// and its recorder's partial rows show them like a local target's.
/// </summary>
internal sealed class OutputForwarder(IReadOnlyDictionary<string, TargetLease> leases, string worker)
{
    /// <summary>The most bytes per stream waiting between two sends.</summary>
    public const int ChunkCap = 16 * 1024;

    /// <summary>How often waiting bytes are sent.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (Chunk Stdout, Chunk Stderr)> _waiting = new(StringComparer.Ordinal);

    /// <summary>The worker executor's <see cref="Output.OutputObserver"/>.</summary>
    public void Observe(string target, int attempt, string stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || !leases.ContainsKey(target))
        {
            return;
        }

        lock (_lock)
        {
            if (!_waiting.TryGetValue(target, out (Chunk Stdout, Chunk Stderr) chunks))
            {
                chunks = (new Chunk(), new Chunk());
                _waiting[target] = chunks;
            }

            (stream == "stderr" ? chunks.Stderr : chunks.Stdout).Add(data);
        }
    }

    /// <summary>Sends waiting bytes every <see cref="Interval"/> until <paramref name="stop"/>.</summary>
    public async Task RunAsync(ChannelWriter<TargetReport> reports, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Interval, stop).ConfigureAwait(false);
                foreach (TargetReport report in Take())
                {
                    reports.TryWrite(report);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The batch ended: its final reports carry the rest.
        }
    }

    private List<TargetReport> Take()
    {
        var reports = new List<TargetReport>();
        lock (_lock)
        {
            foreach ((string target, (Chunk stdout, Chunk stderr)) in _waiting)
            {
                if (stdout.Waiting == 0 && stderr.Waiting == 0)
                {
                    continue;
                }

                TargetLease lease = leases[target];
                reports.Add(new TargetReport
                {
                    LeaseId = lease.LeaseId,
                    Epoch = lease.Epoch,
                    Worker = worker,
                    State = "running",
                    Interim = true,
                    Stdout = stdout.Take(),
                    Stderr = stderr.Take(),
                });
            }
        }

        return reports;
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
