using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fanout.Diagnostics;

/// <summary>
/// The one way Fanout loads YAML (inventories, workflows, config): every syntax error becomes a <see cref="YamlSyntaxError"/>
/// with its line and column, including the scanner states YamlDotNet reports as <see cref="InvalidOperationException"/>
/// (an unclosed <c>{</c> followed by more lines) — never an unhandled exception.
/// </summary>
internal static class YamlText
{
    /// <summary>Loads <paramref name="text"/>; returns the stream, or <see langword="null"/> with <paramref name="error"/> set.</summary>
    public static YamlStream? TryLoad(string text, out YamlSyntaxError? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(new StringReader(text));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
            error = null;
            return stream;
        }
        catch (YamlException ex)
        {
            string message = ex.InnerException is { } inner && ex.Message.StartsWith("(Line", StringComparison.Ordinal) ? inner.Message : ex.Message;
            error = new YamlSyntaxError((int)ex.Start.Line, (int)ex.Start.Column, StripMark(message), ex);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up inside an unterminated flow collection without a position: the last event it
            // produced is where the reader was.
            Mark at = parser.Current?.End ?? Mark.Empty;
            error = new YamlSyntaxError(Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column),
                "unterminated flow mapping or sequence (an unclosed '{' or '[' before this point?)", ex);
            return null;
        }
    }

    // "(Line: 3, Col: 5, Idx: 20) - (Line: …): message" → "message".
    private static string StripMark(string message)
    {
        int i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && i >= 0 ? message[(i + 3)..] : message;
    }
}

/// <summary>A YAML syntax error at a 1-based line and column.</summary>
internal sealed record YamlSyntaxError(int Line, int Column, string Message, Exception Cause);
