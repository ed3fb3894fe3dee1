using System.Globalization;
using System.Text;

namespace Fanout.Expressions;

/// <summary>The lexer's literals: numbers and quoted strings with their escapes.</summary>
internal sealed partial class Lexer
{
    private Token LexNumber(bool space)
    {
        var (line, col) = (_line, _col);
        var i = _pos;
        if (_src[i] == '-')
        {
            i++;
        }

        while (i < _src.Length && char.IsAsciiDigit(_src[i]))
        {
            i++;
        }

        var isFloat = false;
        if (i + 1 < _src.Length && _src[i] == '.' && char.IsAsciiDigit(_src[i + 1]))
        {
            isFloat = true;
            i++;
            while (i < _src.Length && char.IsAsciiDigit(_src[i]))
            {
                i++;
            }
        }

        if (i < _src.Length && (_src[i] == 'e' || _src[i] == 'E'))
        {
            var j = i + 1;
            if (j < _src.Length && (_src[j] == '+' || _src[j] == '-'))
            {
                j++;
            }

            if (j < _src.Length && char.IsAsciiDigit(_src[j]))
            {
                isFloat = true;
                i = j;
                while (i < _src.Length && char.IsAsciiDigit(_src[i]))
                {
                    i++;
                }
            }
        }

        var text = _src[_pos..i];
        if (i < _src.Length && IsIdentChar(_src[i]))
        {
            throw new TemplateSyntaxException($"invalid number '{text}{_src[i]}'", line, col);
        }

        object value;
        if (!isFloat && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            value = l;
        }
        else
        {
            value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        Advance(i - _pos);
        return new Token(TokenKind.Number, text, value, [], line, col, space);
    }

    private Token LexString(bool space)
    {
        var (line, col) = (_line, _col);
        var quote = _src[_pos];
        var start = _pos;
        var sb = new StringBuilder();
        var i = _pos + 1;
        while (true)
        {
            if (i >= _src.Length || (quote != '`' && _src[i] == '\n'))
            {
                throw new TemplateSyntaxException("unterminated string literal", line, col);
            }

            var c = _src[i];
            if (c == quote)
            {
                i++;
                break;
            }

            if (c == '\\' && quote != '`')
            {
                if (i + 1 >= _src.Length)
                {
                    throw new TemplateSyntaxException("unterminated string literal", line, col);
                }

                var e = _src[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '0': sb.Append('\0'); break;
                    case '\\': sb.Append('\\'); break;
                    case '\'': sb.Append('\''); break;
                    case '"': sb.Append('"'); break;
                    case 'u' when i + 4 <= _src.Length && int.TryParse(_src.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                        sb.Append((char)code);
                        i += 4;
                        break;
                    default:
                        throw new TemplateSyntaxException($"unknown escape '\\{e}' in string literal", line, col);
                }

                continue;
            }

            sb.Append(c);
            i++;
        }

        var text = _src[start..i];
        Advance(i - _pos);
        return new Token(TokenKind.String, text, sb.ToString(), [], line, col, space);
    }
}
