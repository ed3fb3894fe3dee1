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
}
