using System.Text;

namespace Fanout.Transports;

/// <summary>POSIX shell quoting shared by the SSH transport and the lifecycle templates.</summary>
internal static class ShellQuote
{
    /// <summary>Quotes <paramref name="value"/> so a POSIX shell reads it back as one literal word.</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && value.All(IsSafe))
        {
            return value;
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Quotes every element and joins them with spaces.</summary>
    public static string Join(IEnumerable<string> argv)
    {
        var sb = new StringBuilder();
        foreach (string arg in argv)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(Quote(arg));
        }

        return sb.ToString();
    }

    private static bool IsSafe(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '@' or '%' or '+' or '=' or ',';
}
