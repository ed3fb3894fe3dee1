using Fanout.Diagnostics;

namespace Fanout.Expressions;

/// <summary>
/// Where a template's text starts in its file, so template errors can name <c>file:line:col</c>.
/// </summary>
/// <param name="Start">The position of the template's first character.</param>
/// <param name="BlockIndent">
/// For a YAML block scalar (<c>|</c> or <c>&gt;</c>): the indentation of its content, so line <c>n</c> of the
/// template maps to column <c>BlockIndent + col</c> of file line <c>Start.Line + n - 1</c>. Null for inline text.
/// </param>
public sealed record TemplateOrigin(SourcePosition Start, int? BlockIndent = null)
{
    /// <summary>An origin for a template that is not from a file (line 1, column 1).</summary>
    public static TemplateOrigin None { get; } = new(new SourcePosition(null, 1, 1));

    /// <summary>Maps a 1-based line/column inside the template to a position in the file.</summary>
    public SourcePosition Map(int line, int column)
    {
        if (BlockIndent is { } indent)
        {
            return Start with { Line = Start.Line + line - 1, Column = indent + column };
        }

        return line == 1
            ? Start with { Column = Start.Column + column - 1 }
            : Start with { Line = Start.Line + line - 1, Column = column };
    }
}
