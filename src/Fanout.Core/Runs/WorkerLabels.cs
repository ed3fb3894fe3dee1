namespace Fanout.Runs;

/// <summary>
/// Labels of cluster workers (<c>fanout worker --labels zone=dmz,gpu=yes</c>) and the labels a run asks its workers to have
/// (<see cref="RunDefinition.WorkerLabels"/>): a run asking for labels is leased only to workers that have every one of them
/// with the same value; a run asking for none may run on any worker (docs/scale-out.md "Worker labels").
/// </summary>
public static class WorkerLabels
{
    /// <summary>The longest key or value.</summary>
    public const int MaxLength = 63;

    /// <summary>No labels.</summary>
    public static IReadOnlyDictionary<string, string> None { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Parses <c>key=value[,key=value…]</c>. Keys and values are 1 to <see cref="MaxLength"/> characters of letters, digits,
    /// <c>.</c>, <c>_</c>, <c>-</c> and <c>/</c>, starting with a letter or digit; a key may appear once.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a list; the message names the bad pair.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new FormatException($"'{pair}' is not key=value");
            }

            string key = pair[..eq].Trim();
            string value = pair[(eq + 1)..].Trim();
            if (Problem(key, value) is { } problem)
            {
                throw new FormatException(problem);
            }

            if (!labels.TryAdd(key, value))
            {
                throw new FormatException($"label '{key}' is given twice");
            }
        }

        return labels;
    }

    /// <summary>Why <paramref name="key"/>=<paramref name="value"/> is not a label, or <see langword="null"/> when it is one.</summary>
    public static string? Problem(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsName(key))
        {
            return $"label key '{key}' must be 1 to {MaxLength} letters, digits, '.', '_', '-' or '/', starting with a letter or digit";
        }

        return IsName(value) ? null : $"label value '{value}' of '{key}' must be 1 to {MaxLength} letters, digits, '.', '_', '-' or '/', starting with a letter or digit";
    }

    /// <summary>Sorted <c>key=value</c> pairs joined with <c>,</c>; empty for none.</summary>
    public static string Format(IReadOnlyDictionary<string, string>? labels) =>
        labels is null ? string.Empty : string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>Whether a worker with <paramref name="worker"/> labels may run a target of a run asking for <paramref name="wanted"/>.</summary>
    public static bool Satisfies(IReadOnlyDictionary<string, string> worker, IReadOnlyDictionary<string, string>? wanted)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return wanted is null || wanted.All(w => worker.TryGetValue(w.Key, out string? v) && string.Equals(v, w.Value, StringComparison.Ordinal));
    }

    private static bool IsName(string s) =>
        s.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/');
}
