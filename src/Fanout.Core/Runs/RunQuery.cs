namespace Fanout.Runs;

/// <summary>A history query (SPEC H2): newest first.</summary>
public sealed record RunQuery
{
    /// <summary>At most this many runs. The default value is 20.</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Only runs in this status, or <see langword="null"/> for all.</summary>
    public RunStatus? Status { get; init; }

    /// <summary>Only runs of this kind (<c>exec</c>, <c>workflow</c>, …), or <see langword="null"/>.</summary>
    public string? Kind { get; init; }

    /// <summary>
    /// Only runs with this name (operation or workflow name), or <see langword="null"/>. A name with <c>*</c> (any
    /// characters) or <c>?</c> (one character) is a glob matched against the whole name, case-sensitively.
    /// </summary>
    public string? Name { get; init; }
}
