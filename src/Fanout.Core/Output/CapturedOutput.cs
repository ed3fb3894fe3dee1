using System.Text;
using System.Text.Unicode;

namespace Fanout.Output;

/// <summary>
/// The captured bytes of one output stream of one target (SPEC X12/X13): a window in memory
/// (the first bytes and, when configured, the last ones) and, when the stream was longer than the
/// window, the exact bytes of the whole stream in a spill file. <see cref="Text"/> is a view made
/// on demand (never cached), so holding many outcomes costs only their windows.
/// </summary>
public sealed class CapturedOutput
{
    private readonly byte[] _head;
    private readonly byte[] _tail;
    private readonly int _headWindow;
    private readonly int _tailWindow;

    /// <summary>Creates an output from text (kept as UTF-8): all of it, or the first part of a stream whose bytes are in <paramref name="spillPath"/>.</summary>
    /// <param name="text">The captured text.</param>
    /// <param name="totalBytes">How many bytes the stream produced in all.</param>
    /// <param name="spillPath">The file holding the complete stream when it was longer than <paramref name="text"/>, else <see langword="null"/>.</param>
    public CapturedOutput(string text, long totalBytes, string? spillPath)
    {
        ArgumentNullException.ThrowIfNull(text);
        _head = Encoding.UTF8.GetBytes(text);
        _tail = [];
        TotalBytes = totalBytes;
        SpillPath = spillPath;
        _headWindow = _head.Length;
    }

    internal CapturedOutput(byte[] head, byte[] tail, long totalBytes, string? spillPath, int headWindow, int tailWindow, OutputBudget budget)
    {
        _head = head;
        _tail = tail;
        TotalBytes = totalBytes;
        SpillPath = spillPath;
        _headWindow = headWindow;
        _tailWindow = tailWindow;
        Budget = budget;
    }

    /// <summary>An empty stream.</summary>
    public static CapturedOutput Empty { get; } = new(string.Empty, 0, null);

    /// <summary>How many bytes the stream produced in all.</summary>
    public long TotalBytes { get; }

    /// <summary>The file holding the exact bytes of the whole stream when it was longer than the in-memory window, else <see langword="null"/>.</summary>
    public string? SpillPath { get; }

    /// <summary>The bytes held in memory (head and tail).</summary>
    public long RetainedBytes => _head.Length + _tail.Length;

    /// <summary>Whether <see cref="Text"/> shows less than the stream produced (the middle is left out).</summary>
    public bool Truncated
    {
        get
        {
            (int head, int tail) = Window();
            return TotalBytes > (long)head + tail;
        }
    }

    /// <summary>
    /// Whether <see cref="Text"/> is not byte-for-byte the output: <see cref="Truncated"/>, or bytes
    /// that are not valid UTF-8 were replaced by U+FFFD. The exact bytes are in <see cref="OpenRead"/>.
    /// </summary>
    public bool Lossy
    {
        get
        {
            if (Truncated)
            {
                return true;
            }

            (byte[] head, byte[] tail) = ReadWindow();
            return !Utf8.IsValid(Concat(head, tail));
        }
    }

    /// <summary>
    /// The output as text: all of it when it fits the window, else the head, a line saying how many
    /// bytes are left out, and the tail. Invalid UTF-8 becomes U+FFFD. Made on each call.
    /// </summary>
    public string Text
    {
        get
        {
            if (TotalBytes == 0)
            {
                return string.Empty;
            }

            (byte[] head, byte[] tail) = ReadWindow();
            long omitted = TotalBytes - head.Length - tail.Length;
            if (omitted <= 0)
            {
                return Encoding.UTF8.GetString(Concat(head, tail));
            }

            int headEnd = Utf8Boundary.BackToCharStart(head);
            int tailStart = Utf8Boundary.ForwardToCharStart(tail);
            string shownHead = Encoding.UTF8.GetString(head, 0, headEnd);
            if (tail.Length == 0)
            {
                return shownHead;
            }

            omitted += head.Length - headEnd + tailStart;
            return string.Concat(shownHead, $"\n[… {omitted} bytes not shown …]\n", Encoding.UTF8.GetString(tail, tailStart, tail.Length - tailStart));
        }
    }

    internal OutputBudget? Budget { get; }

    /// <summary>Opens the exact bytes: the spill file when there is one, else the bytes in memory.</summary>
    public Stream OpenRead()
    {
        if (SpillPath is not null && File.Exists(SpillPath))
        {
            return new FileStream(SpillPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
        }

        return new MemoryStream(Concat(_head, _tail), writable: false);
    }

    /// <summary>Copies the exact bytes to <paramref name="destination"/>.</summary>
    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Stream source = OpenRead();
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the complete output as text (invalid UTF-8 becomes U+FFFD): from the spill file when there is one, else <see cref="Text"/>.</summary>
    public string ReadAll() => SpillPath is not null && File.Exists(SpillPath) ? File.ReadAllText(SpillPath) : Text;

    /// <inheritdoc />
    public override string ToString() => Text;

    private (int Head, int Tail) Window() =>
        SpillPath is not null ? (Math.Max(_head.Length, _headWindow), Math.Max(_tail.Length, _tailWindow)) : (_head.Length, _tail.Length);

    /// <summary>The head and tail of the window: from memory, or from the spill file when the budget left memory short of the window.</summary>
    private (byte[] Head, byte[] Tail) ReadWindow()
    {
        (int headWindow, int tailWindow) = Window();
        if (SpillPath is null || (_head.Length >= headWindow && _tail.Length >= tailWindow) || !File.Exists(SpillPath))
        {
            return (_head, _tail);
        }

        using var file = new FileStream(SpillPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        long length = file.Length;
        if (length <= (long)headWindow + tailWindow)
        {
            var all = new byte[length];
            file.ReadExactly(all);
            return (all, []);
        }

        var head = new byte[headWindow];
        file.ReadExactly(head);
        var tail = new byte[tailWindow];
        file.Seek(length - tailWindow, SeekOrigin.Begin);
        file.ReadExactly(tail);
        return (head, tail);
    }

    private static byte[] Concat(byte[] head, byte[] tail)
    {
        if (tail.Length == 0)
        {
            return head;
        }

        var all = new byte[head.Length + tail.Length];
        head.CopyTo(all, 0);
        tail.CopyTo(all, head.Length);
        return all;
    }
}
