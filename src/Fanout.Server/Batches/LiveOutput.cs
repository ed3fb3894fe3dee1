using System.Text;

namespace Fanout.Server.Batches;

/// <summary>
/// The bytes the targets of one batch print while it runs on this server (fed by the run's <see cref="Fanout.Events.ProgressTracker.OnOutput"/>
/// observer), kept per target, attempt and stream as the last <see cref="StreamCap"/> bytes with their absolute offsets, so a
/// client can follow a running target with <c>GET /api/runs/{id}/targets/{target}/output?offset=N</c>. At most
/// <see cref="BatchCap"/> bytes per batch: past that, the buffers of streams that ended go first (their bytes are in the
/// store once the attempt is recorded); when only running streams are left, the stream that grows keeps a shorter tail
/// (never less than <see cref="MinStreamKeep"/>), so many targets printing at once hold at most the cap plus that short
/// tail per running stream.
/// Thread-safe; the observer only copies bytes under a short lock.
/// </summary>
internal sealed class LiveOutput
{
    public const int StreamCap = 256 * 1024;
    public const long BatchCap = 32L * 1024 * 1024;
    public const int MinStreamKeep = 4 * 1024;

    private readonly object _lock = new();
    private readonly Dictionary<(string Target, string Stream), Buffer> _streams = [];
    private readonly Queue<(string Target, string Stream)> _ended = new();
    private long _held;

    /// <summary>The <see cref="Fanout.Output.OutputObserver"/>: an empty chunk ends the stream of that attempt.</summary>
    public void Observe(string target, int attempt, string stream, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue((target, stream), out Buffer? buffer) || buffer.Attempt != attempt)
            {
                if (buffer is not null)
                {
                    _held -= buffer.Length;
                }

                buffer = new Buffer(attempt);
                _streams[(target, stream)] = buffer;
            }

            if (data.IsEmpty)
            {
                buffer.Ended = true;
                _ended.Enqueue((target, stream));
                return;
            }

            _held += buffer.Append(data);
            while (_held > BatchCap && _ended.TryDequeue(out (string, string) key))
            {
                if (_streams.TryGetValue(key, out Buffer? old) && old.Ended)
                {
                    _held -= old.Length;
                    _streams.Remove(key);
                }
            }

            if (_held > BatchCap)
            {
                _held -= buffer.TrimTo((int)Math.Max(MinStreamKeep, buffer.Length - (_held - BatchCap)));
            }
        }
    }

    /// <summary>The bytes held for every stream of the batch (what <see cref="BatchCap"/> bounds).</summary>
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

    /// <summary>The bytes of <paramref name="target"/>'s <paramref name="stream"/> from <paramref name="offset"/>, or null when nothing was seen.</summary>
    public LiveSlice? Read(string target, string stream, long offset, int maxBytes)
    {
        lock (_lock)
        {
            return _streams.TryGetValue((target, stream), out Buffer? buffer) ? buffer.Read(offset, maxBytes) : null;
        }
    }

    private sealed class Buffer(int attempt)
    {
        private byte[] _bytes = new byte[1024];
        private int _length;

        public int Attempt { get; } = attempt;

        public bool Ended { get; set; }

        /// <summary>The absolute offset of the first byte held (bytes before it were dropped to stay within <see cref="StreamCap"/>).</summary>
        public long Start { get; private set; }

        public int Length => _length;

        /// <summary>Appends; returns by how much the held size changed.</summary>
        public int Append(ReadOnlySpan<byte> data)
        {
            int before = _length;
            if (data.Length >= StreamCap)
            {
                Start += _length + data.Length - StreamCap;
                data = data[^StreamCap..];
                _length = 0;
            }
            else if (_length + data.Length > StreamCap)
            {
                int drop = _length + data.Length - StreamCap;
                Array.Copy(_bytes, drop, _bytes, 0, _length - drop);
                _length -= drop;
                Start += drop;
            }

            if (_length + data.Length > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Min(StreamCap, Math.Max(_bytes.Length * 2, _length + data.Length)));
            }

            data.CopyTo(_bytes.AsSpan(_length));
            _length += data.Length;
            return _length - before;
        }

        /// <summary>Keeps only the last <paramref name="keep"/> bytes (and an array no larger than them); returns how many were dropped.</summary>
        public int TrimTo(int keep)
        {
            if (_length <= keep)
            {
                return 0;
            }

            int drop = _length - keep;
            var kept = new byte[keep];
            Array.Copy(_bytes, drop, kept, 0, keep);
            _bytes = kept;
            _length = keep;
            Start += drop;
            return drop;
        }

        public LiveSlice Read(long offset, int maxBytes)
        {
            long from = Math.Max(offset, Start);
            int index = (int)Math.Min(_length, from - Start);
            int count = Math.Min(maxBytes, _length - index);
            // Never end inside a UTF-8 sequence: the rest of the character comes with the next read.
            int complete = Utf8.CompleteLength(_bytes.AsSpan(index, count));
            if (complete < count && (count < _length - index || !Ended))
            {
                count = complete;
            }

            string text = Encoding.UTF8.GetString(_bytes, index, count);
            long next = Start + index + count;
            return new LiveSlice(Attempt, Start + index, next, text, from > offset, Ended && next == Start + _length);
        }
    }
}

/// <summary>Part of a live stream: the attempt, where the text starts and where the next read starts, whether bytes before it were dropped, whether the stream ended there.</summary>
internal sealed record LiveSlice(int Attempt, long Offset, long Next, string Text, bool Skipped, bool Ended);

/// <summary>UTF-8 boundaries.</summary>
internal static class Utf8
{
    /// <summary>The length of the longest prefix of <paramref name="bytes"/> that does not end inside a multi-byte character.</summary>
    public static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // Look back at most 3 bytes for the lead byte of the last character.
        for (int back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            byte b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte
            }

            int need = (b & 0x80) == 0 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }
}
