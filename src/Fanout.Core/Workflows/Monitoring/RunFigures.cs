namespace Fanout.Workflows.Monitoring;

/// <summary>
/// The standard run figures that alert conditions, alert messages and notifications read (SPEC W16); names match
/// <c>WorkflowValidator.AlertFigures</c>.
/// </summary>
public static class RunFigures
{
    /// <summary>Builds the figures of a run.</summary>
    /// <param name="duration">Time since the run started.</param>
    /// <param name="totalSteps">Steps in the run.</param>
    /// <param name="succeededSteps">Steps that succeeded.</param>
    /// <param name="failedSteps">Steps that failed (or timed out).</param>
    /// <param name="skippedSteps">Steps skipped by a condition or a failure.</param>
    /// <param name="status">The run status (<c>running</c>, <c>succeeded</c>, <c>failed</c> …).</param>
    /// <returns>
    /// <c>deployment_duration</c> and <c>duration</c> (whole seconds), <c>total_steps</c>, <c>succeeded_steps</c>,
    /// <c>failed_steps</c>, <c>skipped_steps</c>, <c>failure_rate</c> (percent of finished, non-skipped steps that failed, 0–100)
    /// and <c>status</c>.
    /// </returns>
    public static Dictionary<string, object?> Create(TimeSpan duration, int totalSteps, int succeededSteps, int failedSteps, int skippedSteps, string status) =>
        Create(duration, new Engine.StepCounts { Total = totalSteps, Succeeded = succeededSteps, Failed = failedSteps, Skipped = skippedSteps }, status);

    /// <summary>Builds the figures of a run from its <see cref="Engine.StepCounts"/> (the one definition of step counts).</summary>
    /// <param name="duration">Time since the run started.</param>
    /// <param name="counts">The counts of the run's leaf steps.</param>
    /// <param name="status">The run status.</param>
    /// <returns>The figures of <see cref="Engine.StepCounts.AddFigures"/> plus <c>deployment_duration</c>, <c>duration</c> and <c>status</c>.</returns>
    public static Dictionary<string, object?> Create(TimeSpan duration, Engine.StepCounts counts, string status)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var seconds = (long)Math.Floor(duration.TotalSeconds);
        var figures = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["deployment_duration"] = seconds,
            ["duration"] = seconds,
            ["status"] = status,
        };
        counts.AddFigures(figures);
        return figures;
    }
}
