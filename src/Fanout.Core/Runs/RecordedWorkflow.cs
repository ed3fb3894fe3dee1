namespace Fanout.Runs;

/// <summary>What <c>fanout run</c> (or <c>POST /api/workflows/run</c>) was given, kept with a workflow run's <see cref="RunDefinition"/> so resume and retry run it again.</summary>
public sealed record RecordedWorkflow
{
    /// <summary>The workflow file (absolute path).</summary>
    public required string File { get; init; }

    /// <summary>The <c>--set KEY=VALUE</c> inputs, as given (secrets as recorded by the run; see docs/workflows.md).</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary>The <c>--set-file KEY=PATH</c> inputs (paths are read again on resume).</summary>
    public IReadOnlyList<string> SetFile { get; init; } = [];

    /// <summary>The <c>--env</c> value, or <see langword="null"/>.</summary>
    public string? Environment { get; init; }

    /// <summary>At most this many steps at once, or <see langword="null"/> for the workflow's own limit.</summary>
    public int? Parallel { get; init; }

    /// <summary>Keep running independent steps after a failure.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>The overall time limit as typed (<c>30s</c>, <c>5m</c>), or <see langword="null"/>.</summary>
    public string? Timeout { get; init; }
}
