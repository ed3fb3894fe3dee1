using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Selection;

/// <summary>Shell globs translated like Python's <c>fnmatch.translate</c> (case-sensitive, whole name).</summary>
internal static class Glob
{
    public static Regex ToRegex(string glob) => new(Translate(glob), RegexOptions.CultureInvariant | RegexOptions.Singleline);

    public static string Translate(string pattern)
    {
        var result = new StringBuilder(@"\A(?:");
        int i = 0;
        int n = pattern.Length;
        while (i < n)
        {
            char c = pattern[i++];
            switch (c)
            {
                case '*':
                    while (i < n && pattern[i] == '*')
                    {
                        i++;
                    }

                    result.Append(".*");
                    break;
                case '?':
                    result.Append('.');
                    break;
                case '[':
                    int j = i;
                    if (j < n && pattern[j] == '!')
                    {
                        j++;
                    }

                    if (j < n && pattern[j] == ']')
                    {
                        j++;
                    }

                    while (j < n && pattern[j] != ']')
                    {
                        j++;
                    }

                    if (j >= n)
                    {
                        result.Append(@"\[");
                        break;
                    }

                    string stuff = pattern[i..j];
                    i = j + 1;
                    if (stuff.Length == 0)
                    {
                        result.Append("(?!)");
                    }
                    else if (stuff == "!")
                    {
                        result.Append('.');
                    }
                    else
                    {
                        result.Append('[');
                        int start = 0;
                        if (stuff[0] == '!')
                        {
                            result.Append('^');
                            start = 1;
                        }

                        for (int k = start; k < stuff.Length; k++)
                        {
                            char s = stuff[k];
                            result.Append(s is '\\' or '[' or ']' or '^' ? "\\" + s : s.ToString());
                        }

                        result.Append(']');
                    }

                    break;
                default:
                    result.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return result.Append(@")\z").ToString();
    }
}
