using System.Globalization;
using System.Text.RegularExpressions;

namespace Fanout.Workflows.Templates;

/// <summary>
/// The heuristic behind <c>fanout template generate</c> (docs/workflows.md, "Generating a template"): finds literal,
/// environment-specific values in command-like text. Matches inside <c>{{ … }}</c> are ignored.
/// </summary>
internal static partial class LiteralFinder
{
    /// <summary>One literal: the span replaced, its kind and value, and a suggested parameter name.</summary>
    public sealed record Match(int Start, int Length, string Kind, string Value, string NameHint);

    public static readonly string[] EnvironmentWords = ["production", "prod", "staging", "preprod", "development", "dev", "qa", "uat", "sandbox"];

    private static readonly HashSet<string> FileExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "yaml", "yml", "json", "xml", "ini", "toml", "conf", "cfg", "env", "txt", "md", "log", "csv", "sql", "html", "css", "js", "ts",
        "sh", "bash", "py", "rb", "pl", "go", "rs", "java", "jar", "war", "cs", "dll", "so", "exe", "c", "h", "php", "lock", "pid",
        "sock", "tar", "gz", "tgz", "zip", "bz2", "xz", "deb", "rpm", "pem", "crt", "key", "pub", "service", "timer", "socket",
        "bak", "tmp", "out", "err", "d", "git", "lua", "tf", "tfvars", "j2", "tpl", "erb", "pp",
    };

    private static readonly string[] NumberKeys = ["port", "replica", "worker", "thread", "instance", "timeout", "size", "count", "limit", "max", "min", "memory", "cpu"];

    public static IReadOnlyList<Match> Find(string text)
    {
        var templates = TemplateRegex().Matches(text).Select(m => (m.Index, End: m.Index + m.Length)).ToList();
        var candidates = new List<(Match M, int Priority)>();
        void Add(int start, int length, string kind, string value, string hint, int priority)
        {
            if (!templates.Any(t => start < t.End && start + length > t.Index))
            {
                candidates.Add((new Match(start, length, kind, value, hint), priority));
            }
        }

        foreach (System.Text.RegularExpressions.Match m in UrlRegex().Matches(text))
        {
            var value = m.Value.TrimEnd('.', ',', ':', ';');
            var host = Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri.Host : string.Empty;
            if (host is "localhost" or "127.0.0.1" or "0.0.0.0" or "")
            {
                continue;
            }

            Add(m.Index, value.Length, "url", value, IpRegex().IsMatch(host) ? "url" : Label(host) + "_url", 0);
        }

        foreach (System.Text.RegularExpressions.Match m in IpRegex().Matches(text))
        {
            if (!m.Value.StartsWith("127.", StringComparison.Ordinal) && !m.Value.StartsWith("0.0.0.0", StringComparison.Ordinal) && !m.Value.StartsWith("255.", StringComparison.Ordinal))
            {
                Add(m.Index, m.Length, "ip", m.Value, "ip", 1);
            }
        }

        foreach (System.Text.RegularExpressions.Match m in HostRegex().Matches(text))
        {
            var tld = m.Value[(m.Value.LastIndexOf('.') + 1)..];
            if (!FileExtensions.Contains(tld))
            {
                Add(m.Index, m.Length, "host", m.Value, Label(m.Value) + "_host", 2);
            }
        }

        foreach (var regex in new[] { VersionRegex(), ImageTagRegex() })
        {
            foreach (System.Text.RegularExpressions.Match m in regex.Matches(text))
            {
                Add(m.Index, m.Length, "version", m.Value, "version", 3);
            }
        }

        foreach (System.Text.RegularExpressions.Match m in PortRegex().Matches(text))
        {
            var g = m.Groups[1];
            if (int.TryParse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            {
                Add(g.Index, g.Length, "port", g.Value, "port", 4);
            }
        }

        foreach (System.Text.RegularExpressions.Match m in FlagNumberRegex().Matches(text))
        {
            Add(m.Groups[2].Index, m.Groups[2].Length, "number", m.Groups[2].Value, Snake(m.Groups[1].Value), 5);
        }

        foreach (System.Text.RegularExpressions.Match m in KeyNumberRegex().Matches(text))
        {
            var key = m.Groups[1].Value;
            if (NumberKeys.Any(k => key.Contains(k, StringComparison.OrdinalIgnoreCase)))
            {
                Add(m.Groups[2].Index, m.Groups[2].Length, "number", m.Groups[2].Value, Snake(key), 5);
            }
        }

        foreach (System.Text.RegularExpressions.Match m in EnvironmentRegex().Matches(text))
        {
            Add(m.Index, m.Length, "environment", m.Value, "environment", 6);
        }

        // Most specific first: a URL claims its host, port and version; then leftmost.
        var taken = new List<Match>();
        foreach (var (m, _) in candidates.OrderBy(c => c.Priority).ThenBy(c => c.M.Start))
        {
            if (!taken.Any(t => m.Start < t.Start + t.Length && m.Start + m.Length > t.Start))
            {
                taken.Add(m);
            }
        }

        return taken.OrderBy(m => m.Start).ToList();
    }

    /// <summary>The first DNS label that says something (not www), as an identifier.</summary>
    private static string Label(string host)
    {
        var labels = host.Split('.');
        var label = labels.Length > 1 && labels[0] is "www" ? labels[1] : labels[0];
        return Snake(label);
    }

    public static string Snake(string text)
    {
        var s = NonIdentifierRegex().Replace(text.ToLowerInvariant(), "_").Trim('_');
        return s.Length == 0 ? "value" : char.IsAsciiDigit(s[0]) ? "n" + s : s;
    }

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline)]
    private static partial Regex TemplateRegex();

    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'""`<>|;,(){}\[\]]+")]
    private static partial Regex UrlRegex();

    [GeneratedRegex(@"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:/\d{1,2})?(?![\w.])")]
    private static partial Regex IpRegex();

    [GeneratedRegex(@"(?<![\w./-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z-]{0,22}[A-Za-z](?![\w.-]|\.\w)")]
    private static partial Regex HostRegex();

    [GeneratedRegex(@"(?<![\w.-])v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?(?:\+[0-9A-Za-z.]+)?(?![\w.])")]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"(?<=[A-Za-z0-9_-]:)v?\d+(?:\.\d+){1,3}(?:-[0-9A-Za-z.]+)?(?![\w.])")]
    private static partial Regex ImageTagRegex();

    [GeneratedRegex(@"(?<=localhost|\.[A-Za-z]{2,24}|\d|\}\}):(\d{2,5})(?![\w.])")]
    private static partial Regex PortRegex();

    [GeneratedRegex(@"(?<![\w-])--([A-Za-z][A-Za-z0-9-]*)(?:=|[ \t]+)(\d+)(?![\w.])")]
    private static partial Regex FlagNumberRegex();

    [GeneratedRegex(@"(?<![\w.-])([A-Za-z][A-Za-z0-9_]*)=(\d+)(?![\w.])")]
    private static partial Regex KeyNumberRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9_./])(?:production|prod|staging|preprod|development|dev|qa|uat|sandbox)(?![A-Za-z0-9_])")]
    private static partial Regex EnvironmentRegex();

    [GeneratedRegex("[^a-z0-9_]+")]
    private static partial Regex NonIdentifierRegex();
}
