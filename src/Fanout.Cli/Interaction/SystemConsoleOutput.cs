using Spectre.Console;

namespace Fanout.Cli.Interaction;

/// <summary>The real console.</summary>
internal sealed class SystemConsoleOutput : IConsoleOutput
{
    public TextWriter Out { get; } = Console.Out;

    public TextWriter Error { get; } = Console.Error;

    public bool IsOutputTerminal => !Console.IsOutputRedirected;

    public bool IsErrorTerminal => !Console.IsErrorRedirected;

    public Stream OpenStandardInput() => Console.OpenStandardInput();

    public Stream OpenRaw(TextWriter writer) => ReferenceEquals(writer, Out) ? Console.OpenStandardOutput() : Console.OpenStandardError();

    public bool IsInteractive => !Console.IsInputRedirected && !Console.IsErrorRedirected;

    public IAnsiConsole CreateAnsiConsole(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, Out) ? IsOutputTerminal : IsErrorTerminal;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!terminal)
        {
            // Pipes and files have no width: do not wrap tables at 80 columns.
            console.Profile.Width = 200;
        }

        return console;
    }

    public string? Ask(string question)
    {
        Error.Write(question);
        Error.Flush();
        return Console.In.ReadLine();
    }
}
