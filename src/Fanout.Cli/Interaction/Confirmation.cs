using System.CommandLine;
using System.CommandLine.Parsing;
using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Cli.Interaction;

/// <summary>What the confirmation prompt (SPEC X10) shows: the command, the counts per group and tag, and the first target names.</summary>
internal static class Confirmation
{
    /// <summary>How many target names the prompt lists.</summary>
    public const int NamesShown = 5;

    /// <summary>How many groups or tags the prompt counts.</summary>
    public const int CountsShown = 6;

    /// <summary>The operation with its arguments as typed: <c>exec 'systemctl restart app'</c>, <c>sync ./site /srv/www</c>.</summary>
    public static string Describe(ParseResult parsed, string commandName)
    {
        IEnumerable<string> words = parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value);
        string arguments = string.Join(' ', words.Select(w => ShellQuote.Quote(w)));
        if (arguments.Length > 120)
        {
            arguments = arguments[..119] + "…";
        }

        return arguments.Length == 0 ? commandName : $"{commandName} {arguments}";
    }

    public static string Count(int targets) => targets == 1 ? "1 target" : $"{targets} targets";

    /// <summary>Lines printed before the question: counts per group (else per tag) and the first names.</summary>
    public static IReadOnlyList<string> Overview(IReadOnlyList<Target> targets)
    {
        var lines = new List<string>();
        List<(string Key, int Count)> groups = targets.SelectMany(t => t.Groups.Distinct(StringComparer.Ordinal))
            .GroupBy(g => g, StringComparer.Ordinal).Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (groups.Count > 0)
        {
            lines.Add("  groups: " + Join(groups));
        }

        List<(string Key, int Count)> tags = targets.SelectMany(t => t.Tags.Select(kv => kv.Key + "=" + kv.Value))
            .GroupBy(g => g, StringComparer.Ordinal).Select(g => (g.Key, g.Count()))
            .OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (tags.Count > 0)
        {
            lines.Add("  tags: " + Join(tags));
        }

        string names = string.Join(", ", targets.Take(NamesShown).Select(t => t.Name));
        lines.Add(targets.Count > NamesShown ? $"  targets: {names}, … ({targets.Count - NamesShown} more)" : $"  targets: {names}");
        return lines;
    }

    private static string Join(List<(string Key, int Count)> counts)
    {
        string shown = string.Join(", ", counts.Take(CountsShown).Select(c => $"{c.Key} ({c.Count})"));
        return counts.Count > CountsShown ? $"{shown}, … ({counts.Count - CountsShown} more)" : shown;
    }
}
