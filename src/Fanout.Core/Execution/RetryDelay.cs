namespace Fanout.Execution;

/// <summary>Computes the wait before a retry (SPEC X6).</summary>
internal static class RetryDelay
{
    /// <summary>The jitter range: a delay is multiplied by a factor in [1 − J, 1 + J].</summary>
    public const double JitterFraction = 0.25;

    /// <summary>
    /// Returns the delay before retry number <paramref name="retry"/> (1 for the first retry):
    /// fixed d, linear d×n, exponential d×2^(n−1); then jitter (±25%) when asked; then capped at
    /// <paramref name="max"/>.
    /// </summary>
    public static TimeSpan Compute(TimeSpan delay, Backoff backoff, int retry, TimeSpan? max, bool jitter, Random random)
    {
        double ticks = backoff switch
        {
            Backoff.Linear => delay.Ticks * (double)retry,
            Backoff.Exponential => delay.Ticks * Math.Pow(2, retry - 1),
            _ => delay.Ticks,
        };

        if (jitter)
        {
            ticks *= 1 - JitterFraction + (random.NextDouble() * 2 * JitterFraction);
        }

        if (max is { } cap && ticks > cap.Ticks)
        {
            ticks = cap.Ticks;
        }

        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }
}
