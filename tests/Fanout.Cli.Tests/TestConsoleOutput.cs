using Fanout.Cli.Interaction;
using Spectre.Console;

namespace Fanout.Cli.Tests;

/// <summary>A console for tests: captured writers, no terminal unless asked, scripted answers.</summary>
internal sealed class TestConsoleOutput : IConsoleOutput
{
    private readonly Queue<string?> _answers = new();

    public StringWriter OutWriter { get; } = new();

    public StringWriter ErrorWriter { get; } = new();

    public TextWriter Out => OutWriter;

    public TextWriter Error => ErrorWriter;

    public bool IsOutputTerminal { get; init; }

    public bool IsErrorTerminal { get; init; }

    public bool IsInteractive { get; init; }

    public List<string> Questions { get; } = [];

    /// <summary>What <see cref="OpenStandardInput"/> reads. The default value is empty.</summary>
    public byte[] Input { get; set; } = [];

    public Stream OpenStandardInput() => new MemoryStream(Input, writable: false);

    /// <summary>Bytes written raw land in the writer as UTF-8 text (tests of exact bytes go through the real executable).</summary>
    public Stream OpenRaw(TextWriter writer) => new TextStream(writer);

    public void Answer(string? answer) => _answers.Enqueue(answer);

    public IAnsiConsole CreateAnsiConsole(TextWriter writer) => CreatePlainConsole(writer, 100);

    public string? Ask(string question)
    {
        Questions.Add(question);
        return _answers.Count > 0 ? _answers.Dequeue() : null;
    }

    public static IAnsiConsole CreatePlainConsole(TextWriter writer, int width)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        console.Profile.Capabilities.Unicode = true;
        return console;
    }

    private sealed class TextStream(TextWriter writer) : Stream
    {
        private readonly System.Text.Decoder _decoder = System.Text.Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            int n = _decoder.GetChars(buffer, chars, flush: false);
            lock (writer)
            {
                writer.Write(chars, 0, n);
            }
        }
    }
}
