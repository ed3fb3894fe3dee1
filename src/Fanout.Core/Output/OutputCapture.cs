using System.Text;

namespace Fanout.Output;

/// <summary>
/// Collects the bytes of one output stream (SPEC X12/X13). Memory holds a window — the first
/// bytes (head) and, when a tail size is given, the last ones (tail) — reserved from the run's
/// <see cref="OutputBudget"/>. As soon as the stream outgrows the window, the exact bytes
/// (everything, from the first) are streamed to one spill file as they arrive, so nothing is
/// lost and memory stays bounded however much a target prints. Writes may come from any thread
/// (one at a time or not); <see cref="Complete"/> may be called more than once, also after a
/// timeout or cancel, and returns what was captured up to then.
/// </summary>
public sealed class OutputCapture : IDisposable
{
    /// <summary>The default in-memory window per stream: 64 KiB.</summary>
    public const int DefaultCap = 64 * 1024;

    /// <summary>The default tail part of the window: 16 KiB.</summary>
    public const int DefaultTail = 16 * 1024;

    private readonly Lock _sync = new();
    private readonly int _headWindow;
    private readonly int _tailWindow;
    private readonly Func<string>? _spillPathFactory;
    private readonly OutputBudget _budget;
    private byte[] _head = [];
    private int _headLength;
    private int _headReserved;
    private bool _headFrozen;
    private byte[]? _tail;
    private long _tailWritten;
    private FileStream? _spill;
    private string? _spillPath;
    private long _total;
    private CapturedOutput? _completed;
    private bool _disposed;
    private ChunkObserver? _observer;

    /// <summary>Creates a capture.</summary>
    /// <param name="cap">Bytes of the in-memory window (head plus tail). The default value is <see cref="DefaultCap"/>.</param>
    /// <param name="spillPathFactory">Returns the path of the spill file when one is needed; <see langword="null"/> means output beyond the window is counted but dropped.</param>
    /// <param name="budget">The run's memory budget the window is reserved from; <see langword="null"/> for none.</param>
    /// <param name="tail">How much of <paramref name="cap"/> keeps the last bytes. The default value is 0 (head only).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cap"/> or <paramref name="tail"/> is negative, or <paramref name="tail"/> exceeds <paramref name="cap"/>.</exception>
    public OutputCapture(int cap = DefaultCap, Func<string>? spillPathFactory = null, OutputBudget? budget = null, int tail = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cap);
        ArgumentOutOfRangeException.ThrowIfNegative(tail);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tail, cap);
        _headWindow = cap - tail;
        _tailWindow = tail;
        _spillPathFactory = spillPathFactory;
        _budget = budget ?? OutputBudget.Unlimited;
    }

    /// <summary>Receives each chunk as it is written, in order, and an empty chunk once at the end (see <see cref="OutputObserver"/>).</summary>
    internal delegate void ChunkObserver(ReadOnlySpan<byte> data);

    /// <summary>Where written bytes are also handed as they arrive (live output); set before the first write.</summary>
    internal ChunkObserver? Observer
    {
        get => _observer;
        init => _observer = value;
    }

    /// <summary>How many bytes were written so far.</summary>
    public long TotalBytes => Interlocked.Read(ref _total);

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_sync)
        {
            if (_completed is not null || _disposed)
            {
                return; // the attempt is over; late bytes of a killed process are not part of it
            }

            Interlocked.Add(ref _total, data.Length);
            Observe(data);
            int take = FillHead(data);
            ReadOnlySpan<byte> rest = data[take..];
            if (rest.IsEmpty)
            {
                return;
            }

            // Bytes beyond the head: the head never grows again (order on disk is head, then the rest).
            _headFrozen = true;
            if (_tail is null && _tailWindow > 0)
            {
                int granted = _budget.Reserve(_tailWindow);
                _tail = new byte[granted];
            }

            int tailSize = _tail?.Length ?? 0;
            if (_spill is null && _spillPathFactory is not null && _tailWritten + rest.Length > tailSize)
            {
                OpenSpill();
            }

            _spill?.Write(rest);
            AppendTail(rest);
        }
    }

    /// <summary>Appends text as UTF-8.</summary>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Finishes the capture and returns what it holds: the window in memory, the exact bytes in the
    /// spill file when there is one (flushed and closed). Later calls return the same result, and
    /// bytes written after the first call are ignored.
    /// </summary>
    public CapturedOutput Complete()
    {
        lock (_sync)
        {
            if (_completed is not null)
            {
                return _completed;
            }

            _spill?.Dispose();
            _spill = null;
            EndObserved();
            if (_total == 0)
            {
                _budget.Release(_headReserved);
                _headReserved = 0;
                _completed = CapturedOutput.Empty;
                return _completed;
            }

            // Keep exactly what was captured: no slack retained per target.
            byte[] head = _head.Length == _headLength ? _head : _head.AsSpan(0, _headLength).ToArray();
            _budget.Release(_headReserved - _headLength);
            _headReserved = _headLength;
            byte[] tail = LinearTail();
            _budget.Release((_tail?.Length ?? 0) - tail.Length);
            _tail = null;
            _head = [];
            _completed = new CapturedOutput(head, tail, _total, _spillPath, _headWindow, _tailWindow, _budget);
            return _completed;
        }
    }

    /// <summary>
    /// Closes the spill file; later writes are ignored. What was captured stays available to
    /// <see cref="Complete"/> (the executor completes an attempt's captures after a timeout or cancel).
    /// </summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _spill?.Dispose();
            _spill = null;
            _disposed = true;
            EndObserved();
        }
    }

    // Under _sync: chunks reach the observer in the order they were written. A failing observer (a closed pipe of a
    // live display) must not cost the capture its bytes, so it is dropped and the capture goes on.
    private void Observe(ReadOnlySpan<byte> data)
    {
        if (_observer is null)
        {
            return;
        }

        try
        {
            _observer(data);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _observer = null;
        }
    }

    private void EndObserved()
    {
        Observe([]);
        _observer = null;
    }

    private int FillHead(ReadOnlySpan<byte> data)
    {
        if (_headFrozen)
        {
            return 0;
        }

        int wanted = Math.Min(_headWindow - _headLength, data.Length);
        if (wanted <= 0)
        {
            return 0;
        }

        int needed = _headLength + wanted;
        if (needed > _head.Length)
        {
            int size = Math.Min(_headWindow, Math.Max(needed, Math.Max(256, _head.Length * 2)));
            int granted = size > _headReserved ? _budget.Reserve(size - _headReserved) : 0;
            _headReserved += granted;
            size = Math.Min(size, _headReserved);
            if (size > _head.Length)
            {
                Array.Resize(ref _head, size);
            }

            wanted = Math.Min(wanted, _head.Length - _headLength);
        }

        data[..wanted].CopyTo(_head.AsSpan(_headLength));
        _headLength += wanted;
        return wanted;
    }

    private void OpenSpill()
    {
        _spillPath = _spillPathFactory!();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_spillPath))!);
        _spill = new FileStream(_spillPath, FileMode.Create, FileAccess.Write, FileShare.Read, 16 * 1024);

        // Everything so far, in order: the head, then what the tail holds (it has not wrapped yet).
        _spill.Write(_head, 0, _headLength);
        if (_tail is not null && _tailWritten > 0)
        {
            _spill.Write(_tail, 0, (int)_tailWritten);
        }
    }

    private void AppendTail(ReadOnlySpan<byte> data)
    {
        if (_tail is not { Length: > 0 } tail)
        {
            _tailWritten += data.Length;
            return;
        }

        if (data.Length >= tail.Length)
        {
            // Only the last bytes matter; the slot at _tailWritten % size must hold the oldest of them.
            ReadOnlySpan<byte> last = data[^tail.Length..];
            _tailWritten += data.Length;
            int position = (int)(_tailWritten % tail.Length);
            last[..(tail.Length - position)].CopyTo(tail.AsSpan(position));
            last[(tail.Length - position)..].CopyTo(tail);
            return;
        }

        int start = (int)(_tailWritten % tail.Length);
        int first = Math.Min(tail.Length - start, data.Length);
        data[..first].CopyTo(tail.AsSpan(start));
        data[first..].CopyTo(tail);
        _tailWritten += data.Length;
    }

    private byte[] LinearTail()
    {
        if (_tail is not { Length: > 0 } tail || _tailWritten == 0)
        {
            return [];
        }

        if (_tailWritten <= tail.Length)
        {
            return tail.AsSpan(0, (int)_tailWritten).ToArray();
        }

        int start = (int)(_tailWritten % tail.Length);
        var result = new byte[tail.Length];
        tail.AsSpan(start).CopyTo(result);
        tail.AsSpan(0, start).CopyTo(result.AsSpan(tail.Length - start));
        return result;
    }
}
