using System.Text.RegularExpressions;

namespace Fanout.Selection;

/// <summary>Builds name regexes with a match timeout; Python syntax for Ansible's <c>~</c> patterns.</summary>
internal static partial class NameRegex
{
    public static bool TryCreate(string pattern, bool pythonSyntax, TimeSpan timeout, out Regex? regex, out string? error)
    {
        regex = null;
        error = null;
        string text = pattern;
        if (pythonSyntax)
        {
            // re.match anchors at the start only; Python's named groups spelled the .NET way.
            text = PythonNamedGroup().Replace(text, "(?<");
            text = PythonBackReference().Replace(text, @"\k<${name}>");
            text = @"\A(?:" + text + ")";
        }

        try
        {
            regex = new Regex(text, RegexOptions.CultureInvariant, timeout);
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    [GeneratedRegex(@"\(\?P<")]
    private static partial Regex PythonNamedGroup();

    [GeneratedRegex(@"\(\?P=(?<name>\w+)\)")]
    private static partial Regex PythonBackReference();
}
