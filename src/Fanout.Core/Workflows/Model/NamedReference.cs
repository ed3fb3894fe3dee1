using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A name that refers to something else in the workflow (a step in <c>depends_on</c>, a channel, a breaker).</summary>
/// <param name="Name">The name as written.</param>
/// <param name="Position">Where it is written.</param>
public sealed record NamedReference(string Name, SourcePosition Position);
