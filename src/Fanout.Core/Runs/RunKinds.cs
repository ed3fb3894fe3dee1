namespace Fanout.Runs;

/// <summary>
/// The kinds of recorded runs (<see cref="RunRecord.Kind"/>, SPEC H2/A9): the closed set that <c>fanout history --kind</c>
/// and <c>GET /api/runs?kind=</c> accept, so a typo is an input error instead of an empty list.
/// </summary>
public static class RunKinds
{
    /// <summary>Every kind, in the order they are listed to users.</summary>
    public static IReadOnlyList<string> All { get; } = ["exec", "script", "sync", "lifecycle", "device", "noop", "workflow"];

    /// <summary>Whether <paramref name="kind"/> is one of <see cref="All"/> (ordinal).</summary>
    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind, StringComparer.Ordinal);

    /// <summary>The message for an unknown kind, naming the valid ones.</summary>
    public static string Unknown(string kind) => $"unknown kind '{kind}': expected {string.Join(", ", All.Take(All.Count - 1))} or {All[^1]}";
}
