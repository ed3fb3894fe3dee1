namespace Fanout.Selection;

/// <summary>
/// PLACEHOLDER from wt/cli until wt/inventory lands the real selection (same planned names).
/// The selectors of SPEC T5, combined with AND.
/// </summary>
public sealed record SelectionCriteria
{
    /// <summary><c>--tag</c> values.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>--pattern</c> globs.</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    /// <summary><c>--regex</c> expressions.</summary>
    public IReadOnlyList<string> Regexes { get; init; } = [];

    /// <summary><c>--group</c> names.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary><c>--limit</c> pattern.</summary>
    public string? Limit { get; init; }

    /// <summary><c>--all</c>.</summary>
    public bool All { get; init; }

    /// <summary><c>--exclude</c> patterns.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>Whether no selector was given.</summary>
    public bool IsEmpty => !All && Tags.Count == 0 && Patterns.Count == 0 && Regexes.Count == 0 && Groups.Count == 0 && Limit is null;

    /// <summary>Returns every malformed part.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (string tag in Tags)
        {
            if (tag.Length == 0 || tag.StartsWith('=') || tag.StartsWith("!=", StringComparison.Ordinal))
            {
                errors.Add($"--tag '{tag}' is malformed: expected KEY=VALUE, KEY=V1,V2, KEY or KEY!=VALUE");
            }
        }

        foreach (string re in Regexes)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(re, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                errors.Add($"--regex '{re}' is invalid: {e.Message}");
            }
        }

        return errors;
    }
}
