using System.Text;

namespace Fanout.Cli.Tests.Trust;

/// <summary>
/// A small VT100 screen for tests: replays what a program wrote to a terminal of <see cref="Width"/> columns — printable
/// characters with auto-wrap, CR, LF, backspace, and the CSI sequences a live display uses (cursor up/down/forward/back,
/// column, erase in line/display; colours and modes are ignored) — so a test can assert on what the operator sees.
/// </summary>
internal sealed class TerminalScreen
{
    private readonly List<char[]> _rows = [];
    private int _row;
    private int _col;

    public TerminalScreen(int width) => Width = width;

    public int Width { get; }

    /// <summary>How often a character was written past the last column, so the terminal wrapped the line itself.</summary>
    public int AutoWraps { get; private set; }

    /// <summary>The screen's lines, trailing spaces removed.</summary>
    public IReadOnlyList<string> Lines => [.. _rows.Select(r => new string(r).TrimEnd())];

    public static TerminalScreen Replay(string output, int width)
    {
        var screen = new TerminalScreen(width);
        screen.Write(output);
        return screen;
    }

    public void Write(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\r':
                    _col = 0;
                    break;
                case '\n':
                    _row++;
                    break;
                case '\b':
                    _col = Math.Max(0, _col - 1);
                    break;
                case '\a' or '\0':
                    break;
                case '\u001b':
                    i = Escape(text, i);
                    break;
                default:
                    if (char.IsLowSurrogate(c))
                    {
                        break;
                    }

                    if (_col >= Width)
                    {
                        AutoWraps++;
                        _col = 0;
                        _row++;
                    }

                    Row(_row)[_col++] = c;
                    break;
            }
        }
    }

    private int Escape(string text, int i)
    {
        if (i + 1 >= text.Length)
        {
            return i;
        }

        char kind = text[i + 1];
        if (kind == ']')
        {
            // OSC: up to BEL or ST.
            int end = i + 2;
            while (end < text.Length && text[end] != '\a' && !(text[end] == '\u001b' && end + 1 < text.Length && text[end + 1] == '\\'))
            {
                end++;
            }

            return end < text.Length && text[end] == '\u001b' ? end + 1 : end;
        }

        if (kind != '[')
        {
            return i + 1; // ESC 7, ESC 8, ESC =, … : nothing a line of text depends on
        }

        int j = i + 2;
        var parameters = new StringBuilder();
        while (j < text.Length && (char.IsAsciiDigit(text[j]) || text[j] is ';' or '?' or '>' or '='))
        {
            parameters.Append(text[j++]);
        }

        if (j >= text.Length)
        {
            return j;
        }

        string p = parameters.ToString().TrimStart('?', '>', '=');
        int n = int.TryParse(p.Split(';')[0], out int value) ? value : 0;
        switch (text[j])
        {
            case 'A':
                _row = Math.Max(0, _row - Math.Max(1, n));
                break;
            case 'B':
                _row += Math.Max(1, n);
                break;
            case 'C':
                _col = Math.Min(Width - 1, _col + Math.Max(1, n));
                break;
            case 'D':
                _col = Math.Max(0, _col - Math.Max(1, n));
                break;
            case 'G':
                _col = Math.Clamp(Math.Max(1, n) - 1, 0, Width - 1);
                break;
            case 'K':
                char[] row = Row(_row);
                (int from, int to) = n switch { 1 => (0, Math.Min(_col, Width - 1)), 2 => (0, Width - 1), _ => (Math.Min(_col, Width - 1), Width - 1) };
                Array.Fill(row, ' ', from, to - from + 1);
                break;
            case 'J':
                for (int r = n == 1 ? 0 : _row; r < _rows.Count && (n != 1 || r <= _row); r++)
                {
                    Array.Fill(_rows[r], ' ');
                }

                break;
            case 'H' or 'f':
                string[] rc = p.Split(';');
                _row = (int.TryParse(rc[0], out int r0) ? Math.Max(1, r0) : 1) - 1;
                _col = (rc.Length > 1 && int.TryParse(rc[1], out int c0) ? Math.Max(1, c0) : 1) - 1;
                break;
            default:
                break; // m (colours), h/l (modes), …
        }

        return j;
    }

    private char[] Row(int index)
    {
        while (_rows.Count <= index)
        {
            char[] row = new char[Width];
            Array.Fill(row, ' ');
            _rows.Add(row);
        }

        return _rows[index];
    }
}
