using System.Diagnostics.CodeAnalysis;
using Fanout.Diagnostics;

namespace Fanout.Expressions;

/// <summary>The outcome of <see cref="Template.Parse"/>: a template, or a syntax error with its position.</summary>
/// <param name="Template">The parsed template; null when <see cref="Error"/> is set.</param>
/// <param name="Error">The syntax error; null on success.</param>
public sealed record TemplateParseResult(Template? Template, Diagnostic? Error)
{
    /// <summary>True when parsing succeeded.</summary>
    [MemberNotNullWhen(true, nameof(Template))]
    public bool Success => Template is not null;
}
