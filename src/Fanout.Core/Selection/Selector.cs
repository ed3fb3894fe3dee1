using System.Text.RegularExpressions;
using Fanout.Inventory;

namespace Fanout.Selection;

/// <summary>PLACEHOLDER from wt/cli until wt/inventory lands the real selection (no --limit support).</summary>
public static class Selector
{
    /// <summary>Selects the targets of <paramref name="inventory"/> matching every selector.</summary>
    /// <exception cref="SelectionException">A selector is malformed.</exception>
    public static TargetSet Select(Inventory.Inventory inventory, SelectionCriteria criteria)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(criteria);
        IReadOnlyList<string> errors = criteria.Validate();
        if (errors.Count > 0)
        {
            throw new SelectionException(errors[0]);
        }

        IEnumerable<Target> selected = inventory.Targets;
        foreach (string tag in criteria.Tags)
        {
            int ne = tag.IndexOf("!=", StringComparison.Ordinal);
            int eq = tag.IndexOf('=', StringComparison.Ordinal);
            if (ne > 0)
            {
                string key = tag[..ne];
                string value = tag[(ne + 2)..];
                selected = selected.Where(t => !(t.Tags.TryGetValue(key, out string? v) && v == value));
            }
            else if (eq > 0)
            {
                string key = tag[..eq];
                string[] values = tag[(eq + 1)..].Split(',');
                selected = selected.Where(t => t.Tags.TryGetValue(key, out string? v) && values.Contains(v));
            }
            else
            {
                selected = selected.Where(t => t.Tags.ContainsKey(tag));
            }
        }

        foreach (string pattern in criteria.Patterns)
        {
            Regex glob = Glob(pattern);
            selected = selected.Where(t => glob.IsMatch(t.Name));
        }

        foreach (string re in criteria.Regexes)
        {
            var regex = new Regex(re, RegexOptions.None, TimeSpan.FromSeconds(1));
            selected = selected.Where(t => regex.IsMatch(t.Name));
        }

        foreach (string group in criteria.Groups)
        {
            selected = selected.Where(t => t.Groups.Contains(group));
        }

        foreach (string exclude in criteria.Excludes)
        {
            Regex glob = Glob(exclude);
            selected = selected.Where(t => !glob.IsMatch(t.Name));
        }

        return new TargetSet(selected);
    }

    private static Regex Glob(string pattern)
        => new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
}
