using Fanout.Diagnostics;

namespace Fanout.Expressions;

/// <summary>The outcome of rendering or evaluating a <see cref="Template"/>: a value, or an error with its position.</summary>
/// <param name="Text">The rendered text (for <see cref="Template.Evaluate"/>, the value as text); null on error.</param>
/// <param name="Value">The value (for <see cref="Template.Render"/>, the same as <see cref="Text"/>); null on error.</param>
/// <param name="Error">The render error, or null on success.</param>
public sealed record TemplateResult(string? Text, object? Value, Diagnostic? Error)
{
    /// <summary>True when there is no <see cref="Error"/>.</summary>
    public bool Success => Error is null;
}
