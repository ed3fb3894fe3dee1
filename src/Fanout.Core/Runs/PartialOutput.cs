using System.Text;
using Fanout.Output;

namespace Fanout.Runs;

/// <summary>
/// What the running attempts of one run have printed so far, kept for the <see cref="RunRecorder"/> to write into their
/// attempt rows about once a second (the <c>partial</c> source of <c>GET /api/runs/{id}/targets/{target}/output</c>, read by
/// any server instance). Per running attempt and stream it holds the first <see cref="HeadBytes"/> and the last
/// <see cref="TailBytes"/> bytes and the count of all of them — never more, however much a target prints, and never more
/// than <see cref="RunCap"/> for the whole run (past it, streams that need more room show no partial text) — and only for
/// attempts that started (<see cref="Start"/>) and have not been recorded as ended (<see cref="Forget"/>). Fed by the run's
/// output observer: the bytes of the run's captures, whether the target runs here or on a cluster worker that forwards them.
/// Thread-safe: the observer copies bytes under a short lock; <see cref="TakeDirty"/> runs on the recorder's writer.
/// </summary>
internal sealed class PartialOutput
{
    /// <summary>Bytes of a stream's start kept.</summary>
    public const int HeadBytes = 2 * 1024;

    /// <summary>Bytes of a stream's end kept.</summary>
    public const int TailBytes = 6 * 1024;

    /// <summary>The most bytes held for the whole run: a stream that would need more while it is reached keeps no partial text.</summary>
    public const long RunCap = 32L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _running = new(StringComparer.Ordinal);
    private long _held;

    /// <summary>An attempt starts: its output is kept from now on (<paramref name="attempt"/> is the executor's, <paramref name="rowAttempt"/> the row's).</summary>
    public void Start(string target, int attempt, int rowAttempt, int wave, DateTimeOffset startedAt)
    {
        lock (_lock)
        {
            if (_running.Remove(target, out Entry? old))
            {
                _held -= old.Held;
            }

            _running[target] = new Entry(attempt, rowAttempt, wave, startedAt);
        }
    }

    /// <summary>The <see cref="OutputObserver"/>: bytes of <paramref name="target"/>'s attempt; an empty chunk (the stream's end) is ignored.</summary>
    public void Observe(string target, int attempt, string stream, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            if (_running.TryGetValue(target, out Entry? entry) && entry.Attempt == attempt)
            {
                Window window = stream == "stderr" ? entry.Stderr : entry.Stdout;
                long grown = window.Append(data, RunCap - _held);
                _held += grown;
                entry.Dirty |= window.Kept;
            }
        }
    }

    /// <summary>The attempt's end is being recorded: its partial rows stop (called by the writer before it takes the dirty ones).</summary>
    public void Forget(string target, int rowAttempt)
    {
        lock (_lock)
        {
            if (_running.TryGetValue(target, out Entry? entry) && entry.RowAttempt == rowAttempt)
            {
                _running.Remove(target);
                _held -= entry.Held;
            }
        }
    }

    /// <summary>The bytes held for every running attempt (what <see cref="RunCap"/> bounds).</summary>
    public long Held
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>Whether some attempt printed something not yet taken.</summary>
    public bool AnyDirty
    {
        get
        {
            lock (_lock)
            {
                return _running.Values.Any(e => e.Dirty);
            }
        }
    }

    /// <summary>
    /// A running attempt row for each attempt that printed since the last call (at most <paramref name="max"/>, those waiting
    /// longest first; the others stay for the next call), with its output so far as the stored text of an attempt shows it.
    /// </summary>
    public List<TargetAttemptRecord> TakeDirty(string runId, int max)
    {
        var rows = new List<TargetAttemptRecord>();
        lock (_lock)
        {
            foreach ((string target, Entry e) in _running.Where(p => p.Value.Dirty).OrderBy(p => p.Value.Taken).Take(max).ToList())
            {
                e.Dirty = false;
                e.Taken = Environment.TickCount64;
                rows.Add(new TargetAttemptRecord
                {
                    RunId = runId,
                    Target = target,
                    Attempt = e.RowAttempt,
                    State = AttemptState.Running,
                    Wave = e.Wave,
                    StartedAt = e.StartedAt,
                    Stdout = e.Stdout.Text(),
                    Stderr = e.Stderr.Text(),
                });
            }
        }

        return rows;
    }

    private sealed class Entry(int attempt, int rowAttempt, int wave, DateTimeOffset startedAt)
    {
        public int Attempt { get; } = attempt;

        public int RowAttempt { get; } = rowAttempt;

        public int Wave { get; } = wave;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public Window Stdout { get; } = new();

        public Window Stderr { get; } = new();

        public bool Dirty { get; set; }

        public long Held => Stdout.Held + Stderr.Held;

        public long Taken { get; set; }
    }

    /// <summary>The head, the tail (a ring) and the byte count of one stream.</summary>
    private sealed class Window
    {
        private byte[]? _head;
        private int _headLength;
        private byte[]? _tail;
        private long _tailWritten;
        private long _total;
        private bool _dropped;

        /// <summary>The bytes this window holds.</summary>
        public long Held => (_head?.Length ?? 0) + (_tail?.Length ?? 0);

        /// <summary>Whether it keeps the stream (false once the run's cap left no room for it).</summary>
        public bool Kept => !_dropped;

        /// <summary>Appends within <paramref name="room"/> more bytes of memory; returns how much more it holds.</summary>
        public long Append(ReadOnlySpan<byte> data, long room)
        {
            if (_dropped)
            {
                return 0;
            }

            long before = Held;
            if ((_head is null && room < HeadBytes) || (_tail is null && _headLength + data.Length > HeadBytes && room < TailBytes + (_head is null ? HeadBytes : 0)))
            {
                // No room left in the run's cap: this stream shows no partial text (its final row has it all).
                _dropped = true;
                long held = Held;
                _head = null;
                _tail = null;
                return -held;
            }

            _total += data.Length;
            if (_headLength < HeadBytes)
            {
                _head ??= new byte[HeadBytes];
                int take = Math.Min(HeadBytes - _headLength, data.Length);
                data[..take].CopyTo(_head.AsSpan(_headLength));
                _headLength += take;
                data = data[take..];
            }

            if (data.IsEmpty)
            {
                return Held - before;
            }

            _tail ??= new byte[TailBytes];
            if (data.Length >= TailBytes)
            {
                data = data[^TailBytes..];
            }

            foreach (byte b in data)
            {
                _tail[_tailWritten++ % TailBytes] = b;
            }

            // Bytes written before the last TailBytes are gone from the ring; _tailWritten only matters modulo the ring from here.
            if (_tailWritten > TailBytes * 2L)
            {
                _tailWritten = TailBytes + (_tailWritten % TailBytes);
            }

            return Held - before;
        }

        /// <summary>
        /// The text so far, as <see cref="CapturedOutput.Text"/> makes it (head, a line saying how many bytes are left out, tail;
        /// invalid UTF-8 as U+FFFD), never ending inside a character that is still being printed; null when nothing was printed.
        /// </summary>
        public string? Text()
        {
            if (_total == 0 || _dropped)
            {
                return null;
            }

            byte[] head = _head.AsSpan(0, _headLength).ToArray();
            byte[] tail = [];
            if (_tail is not null)
            {
                int length = (int)Math.Min(_tailWritten, TailBytes);
                tail = new byte[length];
                int start = (int)(_tailWritten > TailBytes ? _tailWritten % TailBytes : 0);
                for (int i = 0; i < length; i++)
                {
                    tail[i] = _tail[(start + i) % TailBytes];
                }
            }

            // The last character may still be arriving: cut before it, so it is never shown as U+FFFD.
            long total = _total;
            if (tail.Length > 0)
            {
                int complete = Utf8Boundary.BackToCharStart(tail);
                total -= tail.Length - complete;
                tail = tail[..complete];
            }
            else
            {
                int complete = Utf8Boundary.BackToCharStart(head);
                total -= head.Length - complete;
                head = head[..complete];
            }

            return total == head.Length
                ? Encoding.UTF8.GetString(head)
                : new CapturedOutput(head, tail, total, null, head.Length, tail.Length, OutputBudget.Unlimited).Text;
        }
    }
}
