using System.Buffers;
using System.Text;

namespace Fanout.Cli.Rendering;

/// <summary>
/// <c>--stream</c>: what targets print, as it arrives, one line at a time with the target's name in front — <c>web-01 | text</c>
/// for stdout, <c>web-01 ! text</c> for stderr — like GNU parallel <c>--line-buffer --tag</c>. The bytes of a line are written
/// as the target printed them (no decoding: binary-safe), lines are never mixed, and each target's lines keep their order.
/// A line is held until its newline arrives; a last line without one is ended with a newline when the stream ends, and a
/// line longer than <see cref="MaxLine"/> bytes is written in parts of that size, each with its prefix. Thread-safe.
/// </summary>
internal sealed class StreamedOutput
{
    /// <summary>The most bytes of one line held back waiting for its newline.</summary>
    public const int MaxLine = 64 * 1024;

    private readonly Stream _out;
    private readonly TextWriter _text;
    private readonly Lock _gate;
    private readonly int _width;
    private readonly Dictionary<(string Target, string Stream), Pending> _pending = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private bool _broken;

    /// <param name="output">Where the lines go (raw bytes).</param>
    /// <param name="text">The text writer for the same file: flushed before each write so progress lines and streamed lines keep their order.</param>
    /// <param name="gate">Held while writing; the same lock guards every other writer of <paramref name="text"/>.</param>
    /// <param name="width">Target names are padded to this width.</param>
    public StreamedOutput(Stream output, TextWriter text, Lock gate, int width)
    {
        _out = output;
        _text = text;
        _gate = gate;
        _width = width;
    }

    /// <summary>An <see cref="Output.OutputObserver"/>: takes the chunks of the targets' streams.</summary>
    public void OnOutput(string target, int attempt, string stream, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_broken)
            {
                return;
            }

            var key = (target, stream);
            if (!_pending.TryGetValue(key, out Pending? pending))
            {
                if (data.IsEmpty)
                {
                    return;
                }

                pending = new Pending(Encoding.UTF8.GetBytes(target.PadRight(_width) + (stream == "stderr" ? " ! " : " | ")));
                _pending[key] = pending;
            }

            if (data.IsEmpty)
            {
                // The end of this attempt's stream: a last line without a newline is ended here.
                if (pending.Line.WrittenCount > 0)
                {
                    Emit(pending, [], newline: true);
                }

                _pending.Remove(key);
            }
            else
            {
                Take(pending, data);
            }

            Flush();
        }
    }

    private void Take(Pending pending, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                Emit(pending, data[..(newline + 1)], newline: false);
                data = data[(newline + 1)..];
                continue;
            }

            int room = MaxLine - pending.Line.WrittenCount;
            if (data.Length < room)
            {
                pending.Line.Write(data);
                return;
            }

            Emit(pending, data[..room], newline: true);
            data = data[room..];
        }
    }

    /// <summary>Queues prefix + held bytes + <paramref name="rest"/> (+ a newline) as one line.</summary>
    private void Emit(Pending pending, ReadOnlySpan<byte> rest, bool newline)
    {
        _buffer.Write(pending.Prefix);
        _buffer.Write(pending.Line.WrittenSpan);
        _buffer.Write(rest);
        if (newline)
        {
            _buffer.Write("\n"u8);
        }

        pending.Line.ResetWrittenCount();
    }

    private void Flush()
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }

        try
        {
            _text.Flush();
            _out.Write(_buffer.WrittenSpan);
            _out.Flush();
        }
        catch (IOException)
        {
            // A closed pipe (`fanout exec --stream … | head`): stop streaming; the run and its results go on.
            _broken = true;
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }

    private sealed class Pending(byte[] prefix)
    {
        public byte[] Prefix { get; } = prefix;

        public ArrayBufferWriter<byte> Line { get; } = new(256);
    }
}
