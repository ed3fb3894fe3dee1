namespace Fanout.Selection;

/// <summary>
/// The target selectors every acting command takes (SPEC T5). Different kinds combine with AND;
/// see each property for how repeated values combine.
/// </summary>
public sealed record SelectionCriteria
{
    /// <summary>
    /// <c>--tag</c> expressions, all of which must hold: <c>KEY=VALUE</c>, <c>KEY=V1,V2</c> (either),
    /// <c>KEY</c> (present), <c>KEY!=VALUE</c> / <c>KEY!=V1,V2</c> (not equal; targets without the tag pass).
    /// </summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>--pattern</c> shell globs on target names (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[!a-c]</c>); any may match.</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    /// <summary><c>--regex</c> .NET regular expressions searched in target names; any may match.</summary>
    public IReadOnlyList<string> Regexes { get; init; } = [];

    /// <summary><c>--group</c> names; a target in any of them (directly or through child groups) matches.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary><c>--limit</c>: an Ansible host pattern (<c>web:&amp;prod:!web3</c>, <c>~re</c>, <c>g[0:2]</c>), evaluated exactly like <c>ansible --list-hosts</c>.</summary>
    public string? Limit { get; init; }

    /// <summary><c>--all</c>: every target (still narrowed by the other selectors).</summary>
    public bool All { get; init; }

    /// <summary>
    /// <c>--exclude</c> patterns in the Ansible host-pattern language of <see cref="Limit"/> (names,
    /// groups, globs, <c>~regex</c>, unions with ':' or ','); a target any of them selects is dropped.
    /// </summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>The time limit for one regular-expression match (<c>--regex</c> and <c>~</c> patterns).</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Whether no selector is given (excludes alone do not count). Acting on every target needs
    /// <see cref="All"/>, so callers treat an empty selection as a usage error.
    /// </summary>
    public bool IsEmpty =>
        Tags.Count == 0 && Patterns.Count == 0 && Regexes.Count == 0 && Groups.Count == 0 && string.IsNullOrWhiteSpace(Limit) && !All;

    /// <summary>Checks the syntax of every selector (not group existence); returns all errors, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (string tag in Tags)
        {
            if (TagFilter.TryParse(tag, out _, out string? error) is false)
            {
                errors.Add(error!);
            }
        }

        foreach (string regex in Regexes)
        {
            if (NameRegex.TryCreate(regex, pythonSyntax: false, RegexTimeout, out _, out string? error) is false)
            {
                errors.Add($"invalid --regex '{regex}': {error}");
            }
        }

        foreach (string glob in Patterns.Where(string.IsNullOrEmpty))
        {
            errors.Add($"empty glob pattern '{glob}'");
        }

        foreach (string exclude in Excludes)
        {
            errors.AddRange(AnsibleHostPatterns.Validate(exclude, RegexTimeout, "--exclude"));
        }

        foreach (string group in Groups.Where(string.IsNullOrWhiteSpace))
        {
            errors.Add($"empty --group name '{group}'");
        }

        if (Limit is not null)
        {
            errors.AddRange(AnsibleHostPatterns.Validate(Limit, RegexTimeout));
        }

        if (RegexTimeout <= TimeSpan.Zero)
        {
            errors.Add("the regex timeout must be positive");
        }

        return errors;
    }
}
