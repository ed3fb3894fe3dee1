namespace Fanout.Runs;

/// <summary>What <c>fanout run</c> (or <c>POST /api/workflows/run</c>) was given, kept with a workflow run's <see cref="RunDefinition"/> so resume and retry run it again.</summary>
public sealed record RecordedWorkflow
{
    /// <summary>The workflow file (absolute path).</summary>
    public required string File { get; init; }

    /// <summary>The <c>--set KEY=VALUE</c> inputs, as given, without secrets given inline (see <see cref="InlineSecrets"/>).</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary>The <c>--set-file KEY=PATH</c> inputs (paths are read again on resume).</summary>
    public IReadOnlyList<string> SetFile { get; init; } = [];

    /// <summary>The <c>--set-env KEY=VARIABLE</c> inputs (variables are read again on resume, retry and every schedule fire).</summary>
    public IReadOnlyList<string> SetEnv { get; init; } = [];

    /// <summary>Secret parameters given inline with <c>--set</c>: left out of <see cref="Set"/>, named here, to be given again on resume or retry.</summary>
    public IReadOnlyList<string> InlineSecrets { get; init; } = [];

    /// <summary>The <c>--env</c> value, or <see langword="null"/>.</summary>
    public string? Environment { get; init; }

    /// <summary>At most this many steps at once, or <see langword="null"/> for the workflow's own limit.</summary>
    public int? Parallel { get; init; }

    /// <summary>Keep running independent steps after a failure.</summary>
    public bool ContinueOnError { get; init; }

    /// <summary>The overall time limit as typed (<c>30s</c>, <c>5m</c>), or <see langword="null"/>.</summary>
    public string? Timeout { get; init; }
}
