namespace Fanout.Security;

/// <summary>One audit log entry (SPEC A7): who did what, when, to which batch or run.</summary>
public sealed record AuditEntry
{
    /// <summary>The entry id, assigned by the store (0 before it is stored).</summary>
    public long Id { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Who did it: a token name, <c>user@host</c> for the CLI, or <c>system</c>.</summary>
    public required string Actor { get; init; }

    /// <summary>What was done, e.g. <c>batch.create</c>, <c>execution.finish</c>, <c>token.revoke</c> (see docs/api.md).</summary>
    public required string Action { get; init; }

    /// <summary>The batch (run) concerned, or <see langword="null"/>.</summary>
    public string? BatchId { get; init; }

    /// <summary>The target concerned, or <see langword="null"/>.</summary>
    public string? Target { get; init; }

    /// <summary>How many targets the action concerned, or <see langword="null"/>.</summary>
    public int? TargetCount { get; init; }

    /// <summary>How long the audited thing took, in milliseconds, or <see langword="null"/>.</summary>
    public double? DurationMs { get; init; }

    /// <summary>A short free-text detail (the action's command line, the new token's role, the result), or <see langword="null"/>.</summary>
    public string? Detail { get; init; }
}
