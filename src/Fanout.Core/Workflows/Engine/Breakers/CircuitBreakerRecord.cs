namespace Fanout.Workflows.Engine;

/// <summary>The persisted state of a circuit breaker of one workflow (SPEC W13).</summary>
public sealed record CircuitBreakerRecord
{
    /// <summary>The workflow name the breaker belongs to.</summary>
    public required string Workflow { get; init; }

    /// <summary>The breaker name.</summary>
    public required string Name { get; init; }

    /// <summary><c>closed</c>, <c>open</c> or <c>half-open</c>.</summary>
    public required string State { get; init; }

    /// <summary>Consecutive failures counted while closed.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>When the breaker last opened.</summary>
    public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>When the state last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
