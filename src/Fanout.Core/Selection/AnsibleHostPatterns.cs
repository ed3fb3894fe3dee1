using System.Globalization;
using System.Text.RegularExpressions;
using Fanout.Inventory;

namespace Fanout.Selection;

/// <summary>
/// Ansible's host-pattern language, replicating <c>InventoryManager.get_hosts</c> (ansible-core
/// 2.14 <c>lib/ansible/inventory/manager.py</c>): <c>split_host_pattern</c>, <c>order_patterns</c>
/// (unions in order, then <c>&amp;</c> intersections, then <c>!</c> exclusions), exact host names
/// first, groups before hosts, globs and <c>~regex</c> (re.match), subscripts with inclusive ends.
/// </summary>
internal sealed partial class AnsibleHostPatterns
{
    private static readonly string[] Localhost = ["127.0.0.1", "localhost", "::1"];
    private readonly Fanout.Inventory.Inventory _inventory;
    private readonly TimeSpan _regexTimeout;

    public AnsibleHostPatterns(Fanout.Inventory.Inventory inventory, TimeSpan regexTimeout)
    {
        _inventory = inventory;
        _regexTimeout = regexTimeout;
    }

    /// <summary>The hosts of <paramref name="pattern"/> in Ansible's order, like <c>ansible --list-hosts</c>.</summary>
    public List<Target> Evaluate(string pattern)
    {
        var hosts = new List<Target>();
        foreach (string p in OrderPatterns(Split(pattern)))
        {
            if (_inventory.FindTarget(p) is { } exact)
            {
                hosts.Add(exact);
                continue;
            }

            List<Target> that = MatchOne(p);
            if (p[0] == '!')
            {
                var drop = that.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
                hosts = hosts.Where(h => !drop.Contains(h.Name)).ToList();
            }
            else if (p[0] == '&')
            {
                var keep = that.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
                hosts = hosts.Where(h => keep.Contains(h.Name)).ToList();
            }
            else
            {
                var existing = hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
                hosts.AddRange(that.Where(h => !existing.Contains(h.Name)));
            }
        }

        var result = new TargetSet(hosts).ToList();
        if (result.Count == 0 && Localhost.Contains(pattern))
        {
            result.Add(ImplicitLocalhost(pattern));
        }

        return result;
    }

    /// <summary>
    /// The parts of <paramref name="pattern"/> (as split by Ansible, without their <c>&amp;</c>/<c>!</c>)
    /// that match no host or group of the inventory: the typos a warning names.
    /// </summary>
    public IReadOnlyList<string> UnmatchedParts(string pattern)
    {
        var unmatched = new List<string>();
        foreach (string part in Split(pattern))
        {
            string p = part[0] is '&' or '!' ? part[1..] : part;
            if (p.Length == 0 || _inventory.FindTarget(p) is not null || p == "all" || p == "*")
            {
                continue;
            }

            bool empty;
            try
            {
                empty = MatchOne(p).Count == 0;
            }
            catch (SelectionException)
            {
                empty = true;
            }

            if (empty)
            {
                unmatched.Add(p);
            }
        }

        return unmatched;
    }

    /// <summary>Syntax errors in a pattern: empty parts, invalid <c>~</c> regexes.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="regexTimeout">The time limit of one <c>~regex</c> match.</param>
    /// <param name="option">The option the pattern came from, named in the messages.</param>
    public static IReadOnlyList<string> Validate(string pattern, TimeSpan regexTimeout, string option = "--limit")
    {
        var errors = new List<string>();
        List<string> parts = Split(pattern);
        if (parts.Count == 0)
        {
            errors.Add($"empty {option} pattern '{pattern}'");
        }

        foreach (string part in parts)
        {
            string p = part[0] is '&' or '!' ? part[1..] : part;
            if (p.Length == 0)
            {
                errors.Add($"malformed {option} '{pattern}': '{part}' has nothing after '{part[0]}'");
            }
            else if (p[0] == '~' && !NameRegex.TryCreate(p[1..], pythonSyntax: true, regexTimeout, out _, out string? error))
            {
                errors.Add($"malformed {option} '{pattern}': invalid host list pattern '{p}': {error}");
            }
        }

        return errors;
    }

    /// <summary>Ansible's <c>split_host_pattern</c>: commas; else ':' unless the whole is one address.</summary>
    public static List<string> Split(string pattern)
    {
        IEnumerable<string> parts;
        if (pattern.Contains(',', StringComparison.Ordinal))
        {
            parts = pattern.Split(',');
        }
        else if (AnsibleHostPattern.TryParseAddress(pattern, out _, out _))
        {
            parts = [pattern];
        }
        else
        {
            parts = ColonSeparated().Matches(pattern).Select(m => m.Value);
        }

        return parts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }

    /// <summary>Ansible's <c>order_patterns</c>: regular, then <c>&amp;</c>, then <c>!</c>; only modifiers → start from <c>all</c>.</summary>
    public static List<string> OrderPatterns(List<string> patterns)
    {
        var regular = patterns.Where(p => p[0] is not ('!' or '&')).ToList();
        if (regular.Count == 0)
        {
            regular.Add("all");
        }

        regular.AddRange(patterns.Where(p => p[0] == '&'));
        regular.AddRange(patterns.Where(p => p[0] == '!'));
        return regular;
    }

    private List<Target> MatchOne(string pattern)
    {
        string p = pattern[0] is '&' or '!' ? pattern[1..] : pattern;
        if (p.Length == 0)
        {
            throw new SelectionException($"malformed --limit: '{pattern}' has nothing after '{pattern[0]}'");
        }

        (string expression, int? start, int? end, bool range) = SplitSubscript(p);
        List<Target> hosts = Enumerate(expression);
        if (hosts.Count == 0 || start is null)
        {
            return hosts;
        }

        // Ansible's _apply_subscript: [x:y] is inclusive; a missing end means the last host; an end
        // of 0 is falsy in Python and selects the single host at x; [x] may be negative.
        int s = start.Value;
        if (range && end is not 0)
        {
            int e = end is -1 ? hosts.Count - 1 : end!.Value;
            int from = Math.Min(s, hosts.Count);
            int to = Math.Min(e + 1, hosts.Count);
            return to > from ? hosts.GetRange(from, to - from) : [];
        }

        int index = s < 0 ? hosts.Count + s : s;
        if (index < 0 || index >= hosts.Count)
        {
            throw new SelectionException($"no hosts matched the subscripted pattern '{p}' (it matches {hosts.Count} hosts)");
        }

        return [hosts[index]];
    }

    private static (string Expression, int? Start, int? End, bool Range) SplitSubscript(string pattern)
    {
        if (pattern[0] == '~')
        {
            return (pattern, null, null, false);
        }

        Match m = Subscript().Match(pattern);
        if (!m.Success)
        {
            return (pattern, null, null, false);
        }

        if (m.Groups[2].Success)
        {
            return (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), null, false);
        }

        int start = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        int end = m.Groups[5].Value.Length == 0 ? -1 : int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
        return (m.Groups[1].Value, start, end, true);
    }

    /// <summary>Ansible's <c>_enumerate_matches</c>: matching groups' hosts, then hosts when no group matched or the pattern is a glob/regex.</summary>
    private List<Target> Enumerate(string pattern)
    {
        Func<string, bool> matches = Matcher(pattern);
        var results = new List<Target>();
        bool anyGroup = false;
        foreach (InventoryGroup group in _inventory.Groups)
        {
            if (matches(group.Name))
            {
                anyGroup = true;
                results.AddRange(_inventory.GetGroupTargets(group.Name));
            }
        }

        if (!anyGroup || pattern[0] == '~' || pattern.IndexOfAny(['.', '?', '*', '[']) >= 0)
        {
            results.AddRange(_inventory.Targets.Where(t => matches(t.Name)));
        }

        if (results.Count == 0 && Localhost.Contains(pattern))
        {
            results.Add(ImplicitLocalhost(pattern));
        }

        return results;
    }

    private Func<string, bool> Matcher(string pattern)
    {
        if (pattern[0] != '~')
        {
            Regex glob = Glob.ToRegex(pattern);
            return glob.IsMatch;
        }

        if (!NameRegex.TryCreate(pattern[1..], pythonSyntax: true, _regexTimeout, out Regex? regex, out string? error))
        {
            throw new SelectionException($"invalid host list pattern '{pattern}': {error}");
        }

        return name =>
        {
            try
            {
                return regex!.IsMatch(name);
            }
            catch (RegexMatchTimeoutException ex)
            {
                throw new SelectionException(
                    $"pattern '{pattern}' timed out after {_regexTimeout.TotalMilliseconds:0} ms on '{name}' (catastrophic backtracking?)", ex);
            }
        };
    }

    /// <summary>Ansible's implicit localhost: a local target that exists only when a pattern names it.</summary>
    private Target ImplicitLocalhost(string name) => new()
    {
        Name = name,
        Transport = TransportNames.Local,
        Vars = _inventory.FindGroup("all")?.Vars ?? new Dictionary<string, object?>(),
    };

    [GeneratedRegex(@"(?:[^\s:\[\]]|\[[^\]]*\])+")]
    private static partial Regex ColonSeparated();

    [GeneratedRegex(@"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$", RegexOptions.Singleline)]
    private static partial Regex Subscript();
}
