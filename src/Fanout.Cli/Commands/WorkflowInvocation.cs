namespace Fanout.Cli.Commands;

/// <summary>What <c>fanout run</c> was given; recorded as the run's <see cref="Runs.RunDefinition"/> (kind <c>workflow</c>) so <c>fanout resume</c> can run it again.</summary>
internal sealed record WorkflowInvocation
{
    public required string File { get; init; }

    public IReadOnlyList<string> Set { get; init; } = [];

    public IReadOnlyList<string> SetFile { get; init; } = [];

    public string? Environment { get; init; }

    public IReadOnlyList<string> Inventory { get; init; } = [];

    public int? Parallel { get; init; }

    public bool ContinueOnError { get; init; }

    public string? Timeout { get; init; }

    /// <summary>SSH settings for steps with targets (no secrets); <see langword="null"/> for the defaults.</summary>
    public Runs.RecordedSshOptions? Ssh { get; init; }

    /// <summary>The run definition recorded for this invocation (one shape for every kind of run).</summary>
    public Runs.RunDefinition ToDefinition() => Runs.RunDefinition.ForWorkflow(
        new Runs.RecordedWorkflow { File = File, Set = Set, SetFile = SetFile, Environment = Environment, Parallel = Parallel, ContinueOnError = ContinueOnError, Timeout = Timeout },
        Inventory,
        Ssh);

    /// <summary>The invocation a recorded workflow definition describes (version 1 rows included).</summary>
    public static WorkflowInvocation? From(Runs.RunDefinition definition) => definition.Workflow is not { } w ? null : new WorkflowInvocation
    {
        File = w.File,
        Set = w.Set,
        SetFile = w.SetFile,
        Environment = w.Environment,
        Inventory = definition.Inventory,
        Parallel = w.Parallel,
        ContinueOnError = w.ContinueOnError,
        Timeout = w.Timeout,
        Ssh = definition.Ssh,
    };
}
