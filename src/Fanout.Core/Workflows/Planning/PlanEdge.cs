namespace Fanout.Workflows.Planning;

/// <summary>An ordering constraint: <see cref="From"/> finishes before <see cref="To"/> starts.</summary>
/// <param name="From">The id of the earlier node.</param>
/// <param name="To">The id of the later node.</param>
/// <param name="Implicit">True for the order of a sequential list, false for an explicit <c>depends_on</c>.</param>
public readonly record struct PlanEdge(string From, string To, bool Implicit);
