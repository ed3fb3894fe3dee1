using Spectre.Console;

namespace Fanout.Cli.Interaction;

/// <summary>
/// Everything commands write or ask goes through here, never through <see cref="Console"/>, so
/// tests can capture it (STYLE 15).
/// </summary>
internal interface IConsoleOutput
{
    /// <summary>Standard output: documents (JSON, CSV) and, for table output, progress and summary.</summary>
    TextWriter Out { get; }

    /// <summary>Standard error: errors, and progress when stdout holds a document.</summary>
    TextWriter Error { get; }

    /// <summary>Whether standard output is a terminal.</summary>
    bool IsOutputTerminal { get; }

    /// <summary>Whether standard error is a terminal.</summary>
    bool IsErrorTerminal { get; }

    /// <summary>Whether a person can answer a prompt (standard input and error are terminals).</summary>
    bool IsInteractive { get; }

    /// <summary>A Spectre console writing to <paramref name="writer"/> (<see cref="Out"/> or <see cref="Error"/>), with colour and animation only on a terminal.</summary>
    IAnsiConsole CreateAnsiConsole(TextWriter writer);

    /// <summary>The bytes under <paramref name="writer"/> (<see cref="Out"/> or <see cref="Error"/>), for output written as the targets printed it (<c>--stream</c>).</summary>
    Stream OpenRaw(TextWriter writer);

    /// <summary>Standard input as bytes (<c>--stdin</c> forwards it to every target).</summary>
    Stream OpenStandardInput();

    /// <summary>Asks <paramref name="question"/> and returns the answer line, or <see langword="null"/> at end of input.</summary>
    string? Ask(string question);
}
