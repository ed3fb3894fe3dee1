using Fanout.Diagnostics;
using Fanout.Execution;

namespace Fanout.Workflows.Model;

/// <summary>A step's retry settings (W9 <c>retry:</c>).</summary>
public sealed record RetryPolicy
{
    /// <summary>Total attempts including the first. The default value is 3.</summary>
    public int Attempts { get; init; } = 3;

    /// <summary>The delay before the first retry. The default value is 5 seconds.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How the delay grows. The default value is <see cref="Backoff.Fixed"/>.</summary>
    public Backoff Backoff { get; init; } = Backoff.Fixed;

    /// <summary>The longest delay, or null for no cap.</summary>
    public TimeSpan? MaxDelay { get; init; }

    /// <summary>Whether delays are randomised. The default value is false.</summary>
    public bool Jitter { get; init; }

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
