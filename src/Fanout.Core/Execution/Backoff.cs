namespace Fanout.Execution;

/// <summary>How the delay between retries grows (SPEC X6).</summary>
public enum Backoff
{
    /// <summary>Every retry waits the same delay.</summary>
    Fixed,

    /// <summary>Retry n waits delay × n.</summary>
    Linear,

    /// <summary>Retry n waits delay × 2^(n-1).</summary>
    Exponential,
}
