namespace Fanout.Expressions;

/// <summary>POSIX shell quoting: the result is always exactly one shell word that expands to the input.</summary>
public static class ShellQuoting
{
    /// <summary>
    /// Quotes <paramref name="value"/> for a POSIX shell. Words made only of safe characters
    /// (letters, digits and <c>_ - . / : = @ % + ,</c>) are left as they are; everything else is wrapped in
    /// single quotes with each <c>'</c> written as <c>'\''</c>. The empty string becomes <c>''</c>.
    /// </summary>
    public static string Quote(string value)
    {
        if (value.Length == 0)
        {
            return "''";
        }

        var safe = true;
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or '=' or '@' or '%' or '+' or ','))
            {
                safe = false;
                break;
            }
        }

        // A leading '-' is still one word; whether a command treats it as an option is the command's business.
        return safe ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
