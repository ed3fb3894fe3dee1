using Fanout.Diagnostics;
using Fanout.Expressions;

namespace Fanout.Workflows;

/// <summary>The template context of a run before any step ran, and the problems met while building it.</summary>
/// <param name="Context">Parameters, rendered variables and evaluated conditions (those that could be evaluated).</param>
/// <param name="Errors">Variables or conditions that could not be evaluated (for example because they read step outputs).</param>
public sealed record WorkflowContextResult(TemplateContext Context, IReadOnlyList<Diagnostic> Errors);
