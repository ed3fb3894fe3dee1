using System.Text.RegularExpressions;
using Fanout.Inventory;

namespace Fanout.Selection;

/// <summary>Resolves <see cref="SelectionCriteria"/> against an <see cref="Inventory.Inventory"/> (SPEC T5).</summary>
public static class Selector
{
    /// <summary>
    /// Returns the targets every selector matches, deduplicated: in <c>--limit</c> order (Ansible's)
    /// when a limit is given, else in inventory order. An empty result is not an error.
    /// </summary>
    /// <exception cref="SelectionException">
    /// A selector is malformed, names an unknown group, a regex times out, or no selector is given
    /// (<see cref="SelectionCriteria.IsEmpty"/>; acting on everything needs <see cref="SelectionCriteria.All"/>).
    /// </exception>
    public static TargetSet Select(Fanout.Inventory.Inventory inventory, SelectionCriteria criteria)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(criteria);
        var errors = criteria.Validate().ToList();
        if (criteria.IsEmpty)
        {
            errors.Add("no selector given: use --tag, --pattern, --regex, --group, --limit, or --all to act on every target");
        }

        var groupMembers = new HashSet<string>(StringComparer.Ordinal);
        foreach (string group in criteria.Groups.Where(g => !string.IsNullOrWhiteSpace(g)))
        {
            if (inventory.FindGroup(group) is null)
            {
                errors.Add($"unknown --group '{group}'{Suggestions.DidYouMean(group, inventory.Groups.Select(g => g.Name))}");
                continue;
            }

            groupMembers.UnionWith(inventory.GetGroupTargets(group).Select(t => t.Name));
        }

        if (errors.Count > 0)
        {
            throw new SelectionException(errors);
        }

        var patterns = new AnsibleHostPatterns(inventory, criteria.RegexTimeout);
        IEnumerable<Target> candidates = string.IsNullOrWhiteSpace(criteria.Limit)
            ? inventory.Targets
            : patterns.Evaluate(criteria.Limit);

        var tags = criteria.Tags.Select(t => TagFilter.TryParse(t, out TagFilter? f, out _) ? f! : throw new InvalidOperationException()).ToList();
        var globs = criteria.Patterns.Select(Glob.ToRegex).ToList();
        var excluded = new HashSet<string>(criteria.Excludes.SelectMany(e => patterns.Evaluate(e)).Select(t => t.Name), StringComparer.Ordinal);
        var regexes = criteria.Regexes.Select(r => (Text: r, Regex: Create(r, criteria.RegexTimeout))).ToList();

        var selected = new List<Target>();
        foreach (Target target in candidates)
        {
            if (tags.All(t => t.Matches(target))
                && (globs.Count == 0 || globs.Any(g => g.IsMatch(target.Name)))
                && (criteria.Groups.Count == 0 || groupMembers.Contains(target.Name))
                && (regexes.Count == 0 || regexes.Any(r => IsMatch(r.Text, r.Regex, target.Name, criteria.RegexTimeout)))
                && !excluded.Contains(target.Name))
            {
                selected.Add(target);
            }
        }

        return new TargetSet(selected) { Warnings = Unmatched(inventory, criteria, patterns, globs, regexes) };
    }

    /// <summary>A warning for each selector part that matches no target of the inventory (a likely typo), as Ansible warns.</summary>
    private static List<string> Unmatched(
        Fanout.Inventory.Inventory inventory,
        SelectionCriteria criteria,
        AnsibleHostPatterns patterns,
        List<Regex> globs,
        List<(string Text, Regex Regex)> regexes)
    {
        var warnings = new List<string>();
        if (inventory.Targets.Count == 0)
        {
            warnings.Add("the inventory defines no targets (is the file empty?)");
        }

        if (!string.IsNullOrWhiteSpace(criteria.Limit))
        {
            warnings.AddRange(patterns.UnmatchedParts(criteria.Limit).Select(p => $"--limit: '{p}' matches no target or group"));
        }

        for (int i = 0; i < globs.Count; i++)
        {
            if (!inventory.Targets.Any(t => globs[i].IsMatch(t.Name)))
            {
                warnings.Add($"--pattern '{criteria.Patterns[i]}' matches no target");
            }
        }

        foreach ((string text, Regex regex) in regexes)
        {
            if (!inventory.Targets.Any(t => IsMatch(text, regex, t.Name, criteria.RegexTimeout)))
            {
                warnings.Add($"--regex '{text}' matches no target");
            }
        }

        foreach (string exclude in criteria.Excludes)
        {
            warnings.AddRange(patterns.UnmatchedParts(exclude).Select(p => $"--exclude: '{p}' matches no target or group"));
        }

        return warnings;
    }

    private static Regex Create(string pattern, TimeSpan timeout) =>
        NameRegex.TryCreate(pattern, pythonSyntax: false, timeout, out Regex? regex, out _) ? regex! : throw new InvalidOperationException();

    private static bool IsMatch(string text, Regex regex, string name, TimeSpan timeout)
    {
        try
        {
            return regex.IsMatch(name);
        }
        catch (RegexMatchTimeoutException ex)
        {
            throw new SelectionException(
                $"--regex '{text}' timed out after {timeout.TotalMilliseconds:0} ms on target '{name}' (catastrophic backtracking?); simplify the pattern", ex);
        }
    }
}
