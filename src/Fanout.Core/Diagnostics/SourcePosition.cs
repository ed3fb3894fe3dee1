namespace Fanout.Diagnostics;

/// <summary>A 1-based line and column in a source file (or in a string when <see cref="File"/> is null).</summary>
/// <param name="File">The file name as the user gave it, or null for an in-memory source.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
public readonly record struct SourcePosition(string? File, int Line, int Column)
{
    /// <summary>Formats the position as <c>file:line:col</c> (or <c>line:col</c> without a file).</summary>
    public override string ToString() => File is null ? $"{Line}:{Column}" : $"{File}:{Line}:{Column}";
}
