namespace Fanout.Expressions;

/// <summary>How the output of each <c>{{ }}</c> action is written into the rendered text.</summary>
public enum RenderMode
{
    /// <summary>Values are written as plain text (the default, for every field that is not a command).</summary>
    Plain,

    /// <summary>
    /// For <c>command</c>/<c>script</c> fields: each value is POSIX single-quoted so it stays one shell word;
    /// a list becomes separately quoted words; a <see cref="RawString"/> (from <c>raw</c>) is written verbatim.
    /// </summary>
    Shell,
}
