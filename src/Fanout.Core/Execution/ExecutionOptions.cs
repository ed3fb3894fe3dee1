namespace Fanout.Execution;

/// <summary>
/// How a batch runs (SPEC X2–X7): concurrency, waves, timeouts, failure policy and retries.
/// Plain options with documented defaults; <see cref="Validate"/> reports every problem at once.
/// </summary>
public sealed record ExecutionOptions
{
    /// <summary>How many targets run at once (<c>--parallel</c>). The default value is 10; at least 1.</summary>
    public int MaxConcurrency { get; init; } = 10;

    /// <summary>Wave sizes (<c>--batch-size</c>); the last entry repeats. Empty, or a single 0, means one wave.</summary>
    public IReadOnlyList<WaveSize> BatchSizes { get; init; } = [];

    /// <summary>Pause between waves (<c>--batch-wait</c>). The default value is zero.</summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.Zero;

    /// <summary>Per-target time limit per attempt (<c>--timeout</c>). The default value is 300 s; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Time limit for the whole batch (<c>--overall-timeout</c>), or <see langword="null"/> for none.</summary>
    public TimeSpan? OverallTimeout { get; init; }

    /// <summary>Stop scheduling new targets at the first failure (<c>--fail-fast</c>). The default value is false.</summary>
    public bool FailFast { get; init; }

    /// <summary>Stop when more than this percentage of a wave fails (<c>--max-fail-percent</c>); remaining waves are not run. <see langword="null"/> for no limit.</summary>
    public double? MaxFailPercent { get; init; }

    /// <summary>Extra attempts after a failed one (<c>--retries</c>). The default value is 0.</summary>
    public int Retries { get; init; }

    /// <summary>Base delay before a retry (<c>--retry-delay</c>). The default value is 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How the retry delay grows (<c>--backoff</c>). The default value is <see cref="Backoff.Fixed"/>.</summary>
    public Backoff Backoff { get; init; } = Backoff.Fixed;

    /// <summary>Upper bound of a retry delay, or <see langword="null"/> for none.</summary>
    public TimeSpan? MaxRetryDelay { get; init; }

    /// <summary>Randomise each retry delay by up to ±25% (<c>--jitter</c>). The default value is false.</summary>
    public bool Jitter { get; init; }

    /// <summary>Exit codes that count as transient (<c>--retry-on-exit-codes</c>); empty means every failure is retried.</summary>
    public IReadOnlySet<int> RetryOnExitCodes { get; init; } = new HashSet<int>();

    /// <summary>Roll back every succeeded target when any fails (<c>--atomic</c>). The default value is false.</summary>
    public bool Atomic { get; init; }

    /// <summary>After cancellation, how long running targets get to stop before they are killed. The default value is 5 s.</summary>
    public TimeSpan CancellationGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bytes of each output stream kept in memory per target attempt: the first bytes and (the last
    /// quarter, at most 16 KiB) the last ones. A longer stream is written whole to a spill file as
    /// it arrives. The default value is 64 KiB.
    /// </summary>
    public int OutputCap { get; init; } = Output.OutputCapture.DefaultCap;

    /// <summary>
    /// Bytes of captured output all targets of the run may hold in memory together (SPEC X12). Once
    /// spent, further output keeps less in memory and is read back from its spill file. The default value is 128 MiB.
    /// </summary>
    public long OutputBudget { get; init; } = Output.OutputBudget.DefaultBytes;

    /// <summary>Directory for output spilled beyond <see cref="OutputCap"/>; <see langword="null"/> uses a directory under the system temp path.</summary>
    public string? SpillDirectory { get; init; }

    /// <summary>Returns every problem with these options, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxConcurrency < 1)
        {
            errors.Add($"parallel must be at least 1 (was {MaxConcurrency})");
        }

        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add("timeout must be positive");
        }

        if (OverallTimeout is { } overall && overall <= TimeSpan.Zero)
        {
            errors.Add("overall-timeout must be positive");
        }

        if (MaxFailPercent is { } p && (p < 0 || p > 100))
        {
            errors.Add($"max-fail-percent must be within 0–100 (was {p})");
        }

        if (Retries < 0)
        {
            errors.Add($"retries must not be negative (was {Retries})");
        }

        if (RetryDelay < TimeSpan.Zero)
        {
            errors.Add("retry-delay must not be negative");
        }

        if (BatchWait < TimeSpan.Zero)
        {
            errors.Add("batch-wait must not be negative");
        }

        if (MaxRetryDelay is { } maxDelay && maxDelay < TimeSpan.Zero)
        {
            errors.Add("max retry delay must not be negative");
        }

        if (CancellationGracePeriod < TimeSpan.Zero)
        {
            errors.Add("cancellation grace period must not be negative");
        }

        if (BatchSizes.Any(b => b.Value < 0 || (b.IsPercent && b.Value > 100)))
        {
            errors.Add("batch sizes must be counts of at least 0 or percentages within 1–100");
        }

        if (OutputCap < 0)
        {
            errors.Add("output cap must not be negative");
        }

        if (OutputBudget < 0)
        {
            errors.Add("output budget must not be negative");
        }

        return errors;
    }
}
