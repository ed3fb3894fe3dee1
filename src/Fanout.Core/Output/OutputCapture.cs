using System.Text;

namespace Fanout.Output;

/// <summary>
/// Collects the bytes of one output stream. Keeps up to <c>cap</c> bytes in memory; once the
/// stream grows past the cap, everything (including what was buffered) goes to a spill file
/// so memory stays bounded however much a target prints. One writer at a time.
/// </summary>
public sealed class OutputCapture : IDisposable
{
    /// <summary>The default in-memory cap per stream: 1 MiB.</summary>
    public const int DefaultCap = 1024 * 1024;

    private readonly int _cap;
    private readonly Func<string>? _spillPathFactory;
    private byte[] _buffer = [];
    private int _length;
    private long _total;
    private FileStream? _spill;
    private string? _spillPath;

    /// <summary>Creates a capture.</summary>
    /// <param name="cap">Bytes kept in memory. The default value is <see cref="DefaultCap"/>.</param>
    /// <param name="spillPathFactory">Returns the path of the spill file when one is needed; <see langword="null"/> means output beyond the cap is counted but dropped.</param>
    public OutputCapture(int cap = DefaultCap, Func<string>? spillPathFactory = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cap);
        _cap = cap;
        _spillPathFactory = spillPathFactory;
    }

    /// <summary>How many bytes were written so far.</summary>
    public long TotalBytes => _total;

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _total += data.Length;
        if (_spill is not null)
        {
            _spill.Write(data);
        }

        int take = 0;
        int room = _cap - _length;
        if (room > 0)
        {
            take = Math.Min(room, data.Length);
            EnsureCapacity(_length + take);
            data[..take].CopyTo(_buffer.AsSpan(_length));
            _length += take;
        }

        if (_spill is null && _total > _cap && _spillPathFactory is not null)
        {
            _spillPath = _spillPathFactory();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_spillPath))!);
            _spill = new FileStream(_spillPath, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
            // The memory buffer holds the first _cap bytes; the rest of this chunk follows them.
            _spill.Write(_buffer, 0, _length);
            _spill.Write(data[take..]);
        }
    }

    /// <summary>Appends text as UTF-8.</summary>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Finishes the capture and returns what it holds. The spill file is flushed and closed.</summary>
    public CapturedOutput Complete()
    {
        _spill?.Dispose();
        _spill = null;
        if (_total == 0)
        {
            return CapturedOutput.Empty;
        }

        int length = _length;
        if (_total > _length)
        {
            // Do not cut a UTF-8 sequence in half: back up to the start of the last character.
            while (length > 0 && (_buffer[length - 1] & 0xC0) == 0x80)
            {
                length--;
            }

            if (length > 0 && _buffer[length - 1] >= 0xC0)
            {
                length--;
            }
        }

        return new CapturedOutput(Encoding.UTF8.GetString(_buffer, 0, length), _total, _spillPath);
    }

    /// <inheritdoc />
    public void Dispose() => _spill?.Dispose();

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length)
        {
            return;
        }

        int size = Math.Min(_cap, Math.Max(needed, Math.Max(256, _buffer.Length * 2)));
        Array.Resize(ref _buffer, size);
    }
}
