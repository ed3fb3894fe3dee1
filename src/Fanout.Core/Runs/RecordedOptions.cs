using Fanout.Execution;

namespace Fanout.Runs;

/// <summary>The JSON form of <see cref="ExecutionOptions"/> kept with a run so resume, retry and schedules use the same options.</summary>
public sealed record RecordedOptions
{
    /// <summary><see cref="ExecutionOptions.MaxConcurrency"/>.</summary>
    public int Parallel { get; init; } = 10;

    /// <summary><see cref="ExecutionOptions.BatchSizes"/> as text (<c>5</c>, <c>25%</c>).</summary>
    public IReadOnlyList<string> BatchSizes { get; init; } = [];

    /// <summary><see cref="ExecutionOptions.BatchWait"/> in milliseconds.</summary>
    public double BatchWaitMs { get; init; }

    /// <summary><see cref="ExecutionOptions.Timeout"/> in milliseconds, or <see langword="null"/> for none.</summary>
    public double? TimeoutMs { get; init; } = 300_000;

    /// <summary><see cref="ExecutionOptions.OverallTimeout"/> in milliseconds.</summary>
    public double? OverallTimeoutMs { get; init; }

    /// <summary><see cref="ExecutionOptions.FailFast"/>.</summary>
    public bool FailFast { get; init; }

    /// <summary><see cref="ExecutionOptions.MaxFailPercent"/>.</summary>
    public double? MaxFailPercent { get; init; }

    /// <summary><see cref="ExecutionOptions.Retries"/>.</summary>
    public int Retries { get; init; }

    /// <summary><see cref="ExecutionOptions.RetryDelay"/> in milliseconds.</summary>
    public double RetryDelayMs { get; init; } = 1000;

    /// <summary><see cref="ExecutionOptions.Backoff"/> (<c>Fixed</c>, <c>Linear</c>, <c>Exponential</c>).</summary>
    public string Backoff { get; init; } = nameof(Execution.Backoff.Fixed);

    /// <summary><see cref="ExecutionOptions.MaxRetryDelay"/> in milliseconds.</summary>
    public double? MaxRetryDelayMs { get; init; }

    /// <summary><see cref="ExecutionOptions.Jitter"/>.</summary>
    public bool Jitter { get; init; }

    /// <summary><see cref="ExecutionOptions.RetryOnExitCodes"/>.</summary>
    public IReadOnlyList<int> RetryOnExitCodes { get; init; } = [];

    /// <summary><see cref="ExecutionOptions.Atomic"/>.</summary>
    public bool Atomic { get; init; }

    /// <summary><see cref="ExecutionOptions.CancellationGracePeriod"/> in milliseconds.</summary>
    public double CancellationGraceMs { get; init; } = 5000;

    /// <summary><see cref="ExecutionOptions.OutputCap"/>.</summary>
    public int OutputCap { get; init; } = Output.OutputCapture.DefaultCap;

    /// <summary><see cref="ExecutionOptions.OutputBudget"/>.</summary>
    public long OutputBudget { get; init; } = Output.OutputBudget.DefaultBytes;

    /// <summary>Captures <paramref name="options"/>.</summary>
    public static RecordedOptions From(ExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new RecordedOptions
        {
            Parallel = options.MaxConcurrency,
            BatchSizes = [.. options.BatchSizes.Select(w => w.ToString())],
            BatchWaitMs = options.BatchWait.TotalMilliseconds,
            TimeoutMs = options.Timeout == System.Threading.Timeout.InfiniteTimeSpan ? null : options.Timeout.TotalMilliseconds,
            OverallTimeoutMs = options.OverallTimeout?.TotalMilliseconds,
            FailFast = options.FailFast,
            MaxFailPercent = options.MaxFailPercent,
            Retries = options.Retries,
            RetryDelayMs = options.RetryDelay.TotalMilliseconds,
            Backoff = options.Backoff.ToString(),
            MaxRetryDelayMs = options.MaxRetryDelay?.TotalMilliseconds,
            Jitter = options.Jitter,
            RetryOnExitCodes = [.. options.RetryOnExitCodes.Order()],
            Atomic = options.Atomic,
            CancellationGraceMs = options.CancellationGracePeriod.TotalMilliseconds,
            OutputCap = options.OutputCap,
            OutputBudget = options.OutputBudget,
        };
    }

    /// <summary>Rebuilds the execution options.</summary>
    /// <exception cref="FormatException">A recorded value is malformed.</exception>
    public ExecutionOptions ToExecutionOptions() => new()
    {
        MaxConcurrency = Parallel,
        BatchSizes = [.. BatchSizes.Select(WaveSize.Parse)],
        BatchWait = TimeSpan.FromMilliseconds(BatchWaitMs),
        Timeout = TimeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : System.Threading.Timeout.InfiniteTimeSpan,
        OverallTimeout = OverallTimeoutMs is { } o ? TimeSpan.FromMilliseconds(o) : null,
        FailFast = FailFast,
        MaxFailPercent = MaxFailPercent,
        Retries = Retries,
        RetryDelay = TimeSpan.FromMilliseconds(RetryDelayMs),
        Backoff = Enum.Parse<Backoff>(Backoff, ignoreCase: true),
        MaxRetryDelay = MaxRetryDelayMs is { } m ? TimeSpan.FromMilliseconds(m) : null,
        Jitter = Jitter,
        RetryOnExitCodes = new HashSet<int>(RetryOnExitCodes),
        Atomic = Atomic,
        CancellationGracePeriod = TimeSpan.FromMilliseconds(CancellationGraceMs),
        OutputCap = OutputCap,
        OutputBudget = OutputBudget,
    };
}
