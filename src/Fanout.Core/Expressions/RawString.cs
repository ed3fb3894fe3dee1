namespace Fanout.Expressions;

/// <summary>
/// A string that is emitted verbatim, even in <see cref="RenderMode.Shell"/> where every other value
/// is shell-quoted. Produced by the <c>raw</c> template function.
/// </summary>
/// <param name="Value">The text.</param>
public sealed record RawString(string Value)
{
    /// <summary>Returns <see cref="Value"/>.</summary>
    public override string ToString() => Value;
}
