using System.Globalization;
using System.Text;

namespace Fanout.Transports.Ssh;

/// <summary>
/// Moves what SSH.NET buffered for a command into the sinks without blocking a thread: SSH.NET's
/// pipe streams only offer blocking reads, so the pump reads just the bytes already available,
/// on a timer and once more at the end. The first stdout line (the remote pid) is taken off.
/// </summary>
internal sealed class OutputPump
{
    private readonly Stream _stdout;
    private readonly Stream _stderr;
    private readonly Action<ReadOnlySpan<byte>> _onStdout;
    private readonly Action<ReadOnlySpan<byte>> _onStderr;
    private readonly Lock _sync = new();
    private readonly byte[] _buffer = new byte[32 * 1024];
    private readonly StringBuilder _pidLine = new();
    private bool _pidDone;

    public OutputPump(Stream stdout, Stream stderr, Action<ReadOnlySpan<byte>> onStdout, Action<ReadOnlySpan<byte>> onStderr)
    {
        _stdout = stdout;
        _stderr = stderr;
        _onStdout = onStdout;
        _onStderr = onStderr;
    }

    /// <summary>The remote process group id, once its line has arrived.</summary>
    public int? RemotePid { get; private set; }

    public void Drain(bool final = false)
    {
        lock (_sync)
        {
            DrainOne(_stdout, isStdout: true, final);
            DrainOne(_stderr, isStdout: false, final);
        }
    }

    private void DrainOne(Stream stream, bool isStdout, bool final)
    {
        while (true)
        {
            long available = final ? _buffer.Length : stream.Length;
            if (available <= 0)
            {
                return;
            }

            int n = stream.Read(_buffer, 0, (int)Math.Min(available, _buffer.Length));
            if (n <= 0)
            {
                return;
            }

            ReadOnlySpan<byte> data = _buffer.AsSpan(0, n);
            if (isStdout)
            {
                data = TakePid(data);
                _onStdout(data);
            }
            else
            {
                _onStderr(data);
            }
        }
    }

    private ReadOnlySpan<byte> TakePid(ReadOnlySpan<byte> data)
    {
        if (_pidDone)
        {
            return data;
        }

        int newline = data.IndexOf((byte)'\n');
        _pidLine.Append(Encoding.ASCII.GetString(newline < 0 ? data : data[..newline]));
        if (newline < 0)
        {
            return [];
        }

        _pidDone = true;
        if (int.TryParse(_pidLine.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            RemotePid = pid;
        }

        return data[(newline + 1)..];
    }
}
