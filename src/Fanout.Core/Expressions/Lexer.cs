namespace Fanout.Expressions;

internal abstract record Segment(int Line, int Column);

internal sealed record TextSegment(string Text, int Line, int Column) : Segment(Line, Column);

internal sealed record ActionSegment(IReadOnlyList<Token> Tokens, bool TrimLeft, bool TrimRight, bool IsComment, int Line, int Column)
    : Segment(Line, Column);

/// <summary>Splits template source into text and actions, and lexes each action into tokens.</summary>
internal sealed partial class Lexer(string source)
{
    private readonly string _src = source;
    private int _pos;
    private int _line = 1;
    private int _col = 1;

    public static List<Segment> Scan(string source) => new Lexer(source).ScanAll();

    /// <summary>Lexes a bare expression (no braces) as a single action.</summary>
    public static List<Token> LexExpression(string source)
    {
        var lexer = new Lexer(source);
        var tokens = new List<Token>();
        while (true)
        {
            var space = lexer.SkipSpace();
            if (lexer._pos >= lexer._src.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, null, [], lexer._line, lexer._col, space));
                return tokens;
            }

            tokens.Add(lexer.LexToken(space));
        }
    }

    private List<Segment> ScanAll()
    {
        var segments = new List<Segment>();
        while (_pos < _src.Length)
        {
            var open = _src.IndexOf("{{", _pos, StringComparison.Ordinal);
            var textEnd = open < 0 ? _src.Length : open;
            if (textEnd > _pos)
            {
                var (l, c) = (_line, _col);
                var text = _src[_pos..textEnd];
                Advance(textEnd - _pos);
                segments.Add(new TextSegment(text, l, c));
            }

            if (open < 0)
            {
                break;
            }

            segments.Add(LexAction());
        }

        ApplyTrimming(segments);
        return segments;
    }

    private ActionSegment LexAction()
    {
        var (startLine, startCol) = (_line, _col);
        Advance(2);
        var trimLeft = false;
        if (Peek(0) == '-' && IsSpace(Peek(1)))
        {
            trimLeft = true;
            Advance(1);
        }

        var tokens = new List<Token>();
        SkipSpace();
        if (_src.AsSpan(_pos).StartsWith("/*"))
        {
            var close = _src.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateSyntaxException("unclosed comment", _line, _col);
            }

            Advance(close + 2 - _pos);
            var sp = SkipSpace();
            var trimRightComment = false;
            if (sp && Peek(0) == '-' && Peek(1) == '}' && Peek(2) == '}')
            {
                trimRightComment = true;
                Advance(1);
            }

            if (!(Peek(0) == '}' && Peek(1) == '}'))
            {
                throw new TemplateSyntaxException("comment must be followed by '}}'", _line, _col);
            }

            Advance(2);
            return new ActionSegment([new Token(TokenKind.End, string.Empty, null, [], _line, _col, true)], trimLeft, trimRightComment, true, startLine, startCol);
        }

        var space = true;
        while (true)
        {
            if (_pos >= _src.Length)
            {
                throw new TemplateSyntaxException("unclosed action: missing '}}'", startLine, startCol);
            }

            if (space && Peek(0) == '-' && Peek(1) == '}' && Peek(2) == '}')
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, null, [], _line, _col, space));
                Advance(3);
                return new ActionSegment(tokens, trimLeft, true, false, startLine, startCol);
            }

            if (Peek(0) == '}' && Peek(1) == '}')
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, null, [], _line, _col, space));
                Advance(2);
                return new ActionSegment(tokens, trimLeft, false, false, startLine, startCol);
            }

            tokens.Add(LexToken(space));
            space = SkipSpace();
        }
    }

    private Token LexToken(bool space)
    {
        var (line, col) = (_line, _col);
        var c = _src[_pos];
        Token Make(TokenKind kind, int length, object? value = null, IReadOnlyList<string>? path = null)
        {
            var text = _src.Substring(_pos, length);
            Advance(length);
            return new Token(kind, text, value, path ?? [], line, col, space);
        }

        switch (c)
        {
            case '\'' or '"' or '`':
                return LexString(space);
            case '(':
                return Make(TokenKind.LParen, 1);
            case ')':
                return Make(TokenKind.RParen, 1);
            case '[':
                return Make(TokenKind.LBracket, 1);
            case ']':
                return Make(TokenKind.RBracket, 1);
            case ',':
                return Make(TokenKind.Comma, 1);
            case '|':
                return Make(TokenKind.Pipe, 1);
            case ':' when Peek(1) == '=':
                return Make(TokenKind.Declare, 2);
            case '=' when Peek(1) == '=':
                return Make(TokenKind.Operator, 2);
            case '=':
                return Make(TokenKind.Assign, 1);
            case '!' when Peek(1) == '=':
                return Make(TokenKind.Operator, 2);
            case '<' or '>':
                return Make(TokenKind.Operator, Peek(1) == '=' ? 2 : 1);
        }

        if (char.IsAsciiDigit(c) || (c == '-' && char.IsAsciiDigit(Peek(1))))
        {
            return LexNumber(space);
        }

        if (c == '.')
        {
            if (!IsIdentStart(Peek(1)))
            {
                return Make(TokenKind.Dot, 1);
            }

            var path = ReadPath(out var length);
            return Make(TokenKind.Field, length, null, path);
        }

        if (c == '$')
        {
            var i = _pos + 1;
            while (i < _src.Length && IsIdentChar(_src[i]))
            {
                i++;
            }

            var name = _src[(_pos + 1)..i];
            var save = _pos;
            _pos = i;
            var path = ReadPath(out var pathLength);
            _pos = save;
            return Make(TokenKind.Variable, i - save + pathLength, name, path);
        }

        if (IsIdentStart(c))
        {
            var i = _pos;
            while (i < _src.Length && IsIdentChar(_src[i]))
            {
                i++;
            }

            return Make(TokenKind.Ident, i - _pos);
        }

        throw new TemplateSyntaxException(
            c == '}' ? "unexpected '}' (an action closes with '}}')" : $"unexpected character '{c}' in action", line, col);
    }

    private List<string> ReadPath(out int length)
    {
        var path = new List<string>();
        var i = _pos;
        while (i < _src.Length && _src[i] == '.' && i + 1 < _src.Length && IsIdentStart(_src[i + 1]))
        {
            var s = ++i;
            while (i < _src.Length && IsIdentChar(_src[i]))
            {
                i++;
            }

            path.Add(_src[s..i]);
        }

        length = i - _pos;
        return path;
    }

    private bool SkipSpace()
    {
        var skipped = false;
        while (_pos < _src.Length && IsSpace(_src[_pos]))
        {
            Advance(1);
            skipped = true;
        }

        return skipped;
    }

    private char Peek(int offset) => _pos + offset < _src.Length ? _src[_pos + offset] : '\0';

    private void Advance(int count)
    {
        for (var k = 0; k < count; k++)
        {
            if (_src[_pos] == '\n')
            {
                _line++;
                _col = 1;
            }
            else
            {
                _col++;
            }

            _pos++;
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static void ApplyTrimming(List<Segment> segments)
    {
        for (var k = 0; k < segments.Count; k++)
        {
            if (segments[k] is not ActionSegment action)
            {
                continue;
            }

            if (action.TrimLeft && k > 0 && segments[k - 1] is TextSegment before)
            {
                segments[k - 1] = before with { Text = before.Text.TrimEnd(' ', '\t', '\r', '\n') };
            }

            if (action.TrimRight && k + 1 < segments.Count && segments[k + 1] is TextSegment after)
            {
                var trimmed = after.Text.TrimStart(' ', '\t', '\r', '\n');
                var removed = after.Text[..(after.Text.Length - trimmed.Length)];
                var newlines = removed.Count(ch => ch == '\n');
                var line = after.Line + newlines;
                var col = newlines == 0 ? after.Column + removed.Length : removed.Length - removed.LastIndexOf('\n');
                segments[k + 1] = new TextSegment(trimmed, line, col);
            }
        }

        segments.RemoveAll(s => s is TextSegment { Text.Length: 0 });
    }
}
