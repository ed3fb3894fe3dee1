namespace Fanout.Runs;

/// <summary>Which attempt rows of a run to read.</summary>
public sealed record AttemptQuery
{
    /// <summary>Only this target, or <see langword="null"/> for all.</summary>
    public string? Target { get; init; }

    /// <summary>Only the latest attempt of each target. The default value is false (every attempt).</summary>
    public bool LatestOnly { get; init; }

    /// <summary>Only attempts in one of these states (applied after <see cref="LatestOnly"/>), or <see langword="null"/> for all.</summary>
    public IReadOnlySet<AttemptState>? States { get; init; }
}
