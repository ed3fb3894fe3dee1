using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>A named circuit breaker (W13 <c>circuit_breakers:</c>).</summary>
public sealed record CircuitBreakerDefinition
{
    /// <summary>The name steps refer to with <c>circuit_breaker:</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Consecutive failures that open the breaker. The default value is 5.</summary>
    public int FailureThreshold { get; init; } = 5;

    /// <summary>How long the breaker stays open before one trial. The default value is 60 seconds.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Named degradations recorded (and run, where a step or command of that name exists) when open.</summary>
    public IReadOnlyList<string> Fallback { get; init; } = [];

    /// <summary>Where the breaker is declared.</summary>
    public SourcePosition Position { get; init; }
}
