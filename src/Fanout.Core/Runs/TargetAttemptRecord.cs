namespace Fanout.Runs;

/// <summary>
/// One attempt on one target (SPEC H1). Written as <see cref="AttemptState.Running"/> before the attempt
/// starts and updated when it ends. A target that never started has one row with attempt 0.
/// </summary>
public sealed record TargetAttemptRecord
{
    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The target name.</summary>
    public required string Target { get; init; }

    /// <summary>The attempt number within the run (continues across resumes), 0 for a target never started.</summary>
    public required int Attempt { get; init; }

    /// <summary>The attempt's state.</summary>
    public required AttemptState State { get; init; }

    /// <summary>The exit code, when a process ran.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The wave, starting at 1.</summary>
    public int Wave { get; init; }

    /// <summary>When the attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the attempt ended, or <see langword="null"/> while running.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Standard output, capped (the full text is in <see cref="StdoutLog"/> when longer).</summary>
    public string? Stdout { get; init; }

    /// <summary>Standard error, capped (the full text is in <see cref="StderrLog"/> when longer).</summary>
    public string? Stderr { get; init; }

    /// <summary>The file holding the complete standard output when it exceeded the stored cap.</summary>
    public string? StdoutLog { get; init; }

    /// <summary>The file holding the complete standard error when it exceeded the stored cap.</summary>
    public string? StderrLog { get; init; }

    /// <summary>A one-line error, or <see langword="null"/>.</summary>
    public string? Error { get; init; }
}
