namespace Fanout.Expressions;

/// <summary>Internal control flow for parse and evaluation errors; converted to diagnostics at the API boundary.</summary>
internal sealed class TemplateSyntaxException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}
