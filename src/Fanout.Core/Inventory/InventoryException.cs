namespace Fanout.Inventory;

/// <summary>
/// An inventory source could not be read: a syntax error, an unknown field, a group cycle, a
/// conflicting definition or a failed inventory command. The message starts with
/// <c>file:line:col:</c> when the position is known.
/// </summary>
public sealed class InventoryException : FanoutException
{
    /// <summary>Creates the exception for a position in a source.</summary>
    /// <param name="message">What is wrong, without the position.</param>
    /// <param name="file">The source (path or command), or <see langword="null"/>.</param>
    /// <param name="line">The 1-based line, or 0 when unknown.</param>
    /// <param name="column">The 1-based column, or 0 when unknown.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public InventoryException(string message, string? file = null, int line = 0, int column = 0, Exception? innerException = null)
        : base(Format(message, file, line, column), innerException)
    {
        File = file;
        Line = line;
        Column = column;
    }

    /// <summary>The source (path or command) the error is in, or <see langword="null"/>.</summary>
    public string? File { get; }

    /// <summary>The 1-based line of the error, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the error, or 0 when unknown.</summary>
    public int Column { get; }

    internal InventoryException(SourceLocation location, string message, Exception? innerException = null)
        : this(message, location.File, location.Line, location.Column, innerException)
    {
    }

    private static string Format(string message, string? file, int line, int column)
    {
        if (file is null)
        {
            return message;
        }

        string position = line <= 0 ? file : column <= 0 ? $"{file}:{line}" : $"{file}:{line}:{column}";
        return $"{position}: {message}";
    }
}
