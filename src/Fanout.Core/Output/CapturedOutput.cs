namespace Fanout.Output;

/// <summary>
/// The captured text of one output stream of one target: at most the capture cap in memory,
/// with the complete text in a spill file when it was larger (SPEC X12).
/// </summary>
/// <param name="Text">The captured text, cut at the cap (UTF-8, never splitting a character).</param>
/// <param name="TotalBytes">How many bytes the stream produced in all.</param>
/// <param name="SpillPath">The file holding the complete stream when it exceeded the cap, else <see langword="null"/>.</param>
public sealed record CapturedOutput(string Text, long TotalBytes, string? SpillPath)
{
    /// <summary>An empty stream.</summary>
    public static CapturedOutput Empty { get; } = new(string.Empty, 0, null);

    /// <summary>Whether <see cref="Text"/> is shorter than what the stream produced.</summary>
    public bool Truncated => SpillPath is not null;

    /// <summary>Reads the complete text: from the spill file when there is one, else <see cref="Text"/>.</summary>
    public string ReadAll() => SpillPath is null ? Text : File.ReadAllText(SpillPath);
}
