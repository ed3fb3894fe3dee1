namespace Fanout.Runs;

/// <summary>
/// Options given to <c>fanout resume</c> or <c>fanout retry</c> (issue 10 item 14) that replace the recorded ones for the
/// continuation; a retry records them in the new run's definition. <see langword="null"/> means "as recorded".
/// </summary>
public sealed record RunOverrides
{
    /// <summary>How many targets run at once (<c>--parallel</c>); for a workflow, how many steps.</summary>
    public int? Parallel { get; init; }

    /// <summary>The time limit per target and attempt (<c>--timeout</c>); for a workflow, the overall time limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The time limit of the whole run (<c>--overall-timeout</c>).</summary>
    public TimeSpan? OverallTimeout { get; init; }

    /// <summary>Extra attempts after a failed one (<c>--retries</c>).</summary>
    public int? Retries { get; init; }

    /// <summary>The delay before a retry (<c>--retry-delay</c>).</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Stop scheduling new targets at the first failure (<c>--fail-fast</c>).</summary>
    public bool? FailFast { get; init; }

    /// <summary>Bytes fed to every target's standard input (<c>--stdin</c>), or <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    /// <summary>
    /// Workflow runs: secret parameters given inline to the run, given again as <c>KEY=VALUE</c> (secrets are never stored; a resume
    /// or retry without them fails naming them). <see langword="null"/> when none are given.
    /// </summary>
    public IReadOnlyList<string>? Set { get; init; }

    /// <summary>
    /// The options given that make no sense for a run of <paramref name="kind"/> (<c>exec</c>, <c>script</c>, <c>sync</c>,
    /// <c>lifecycle</c>, <c>device</c>, <c>workflow</c>), each named as on the command line; empty when all apply.
    /// </summary>
    public IReadOnlyList<string> Inapplicable(string kind)
    {
        var wrong = new List<string>();
        bool workflow = kind == "workflow";
        if (workflow && OverallTimeout is not null)
        {
            wrong.Add("--overall-timeout");
        }

        if (workflow && Retries is not null)
        {
            wrong.Add("--retries");
        }

        if (workflow && RetryDelay is not null)
        {
            wrong.Add("--retry-delay");
        }

        if (workflow && FailFast is not null)
        {
            wrong.Add("--fail-fast");
        }

        if (!workflow && Set is { Count: > 0 })
        {
            wrong.Add("--set");
        }

        if (StandardInput is not null && kind is not ("exec" or "script"))
        {
            wrong.Add("--stdin");
        }

        return wrong;
    }

    /// <summary>Checks the values: a count below its minimum or a duration that is not positive is named.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Parallel is < 1)
        {
            errors.Add("--parallel must be at least 1");
        }

        if (Retries is < 0)
        {
            errors.Add("--retries must not be negative");
        }

        if (Timeout is { } t && t <= TimeSpan.Zero)
        {
            errors.Add("--timeout must be positive");
        }

        if (OverallTimeout is { } o && o <= TimeSpan.Zero)
        {
            errors.Add("--overall-timeout must be positive");
        }

        if (RetryDelay is { } d && d < TimeSpan.Zero)
        {
            errors.Add("--retry-delay must not be negative");
        }

        return errors;
    }

    /// <summary>The recorded options with these overrides applied.</summary>
    public RecordedOptions Apply(RecordedOptions recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded with
        {
            Parallel = Parallel ?? recorded.Parallel,
            TimeoutMs = Timeout is { } t ? t.TotalMilliseconds : recorded.TimeoutMs,
            OverallTimeoutMs = OverallTimeout is { } o ? o.TotalMilliseconds : recorded.OverallTimeoutMs,
            Retries = Retries ?? recorded.Retries,
            RetryDelayMs = RetryDelay is { } d ? d.TotalMilliseconds : recorded.RetryDelayMs,
            FailFast = FailFast ?? recorded.FailFast,
        };
    }
}
