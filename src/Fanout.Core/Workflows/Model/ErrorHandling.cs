using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Workflow-level error defaults (W9 <c>error_handling:</c>).</summary>
public sealed record ErrorHandling
{
    /// <summary>The strategy. The default value is <see cref="ErrorStrategy.FailFast"/>.</summary>
    public ErrorStrategy Strategy { get; init; } = ErrorStrategy.FailFast;

    /// <summary>Retries per step under <see cref="ErrorStrategy.Retry"/>. The default value is 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Delay between those retries. The default value is 5 seconds.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
