namespace Fanout.Security;

/// <summary>What an API token may do (SPEC A5). Roles are ordered: each includes the ones before it.</summary>
public enum ApiRole
{
    /// <summary>Reads: inventory, runs, batches, events, schedules, audit.</summary>
    Viewer = 0,

    /// <summary>Also runs, cancels, approves, retries and resumes.</summary>
    Operator = 1,

    /// <summary>Also manages tokens and schedules.</summary>
    Admin = 2,
}
