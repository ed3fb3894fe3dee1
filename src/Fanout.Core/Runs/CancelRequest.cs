namespace Fanout.Runs;

/// <summary>A request, stored with the run, to cancel it (SPEC A9): any process may make it; the owner polls for it.</summary>
/// <param name="Actor">Who asked (<c>user@host</c>, a token name).</param>
/// <param name="RequestedAt">When (UTC).</param>
public sealed record CancelRequest(string Actor, DateTimeOffset RequestedAt);
