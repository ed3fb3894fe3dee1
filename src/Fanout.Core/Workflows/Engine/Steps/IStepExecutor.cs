using Fanout.Execution;
using Fanout.Inventory;

namespace Fanout.Workflows.Engine;

/// <summary>Runs one attempt of a rendered step (a local command/script, or a fan-out over targets).</summary>
internal interface IStepExecutor
{
    Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>A rendered step attempt.</summary>
internal sealed record StepInvocation
{
    public required string RunId { get; init; }

    public required string Path { get; init; }

    public string? Command { get; init; }

    public string? Script { get; init; }

    /// <summary>For fan-out steps whose command reads <c>.target</c>: renders the command for one target (null on error).</summary>
    public Func<Target, string?>? CommandFor { get; init; }

    public string Shell { get; init; } = "sh";

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>The targets of a fan-out step; null for a plain (local) step.</summary>
    public IReadOnlyList<Target>? Targets { get; init; }

    public IReadOnlyList<WaveSize> BatchSizes { get; init; } = [];

    public int? Parallel { get; init; }

    public double? MaxFailPercent { get; init; }

    /// <summary>Where the executor reports its targets' events (a main step's <see cref="StepTargetEvents.Tracker"/>); null: nowhere.</summary>
    public Events.ProgressTracker? Progress { get; init; }

    /// <summary>Wraps the step's operation (a main step records every start durably first); null: no wrapper.</summary>
    public Func<Operations.IOperation, Operations.IOperation>? Wrap { get; init; }
}

/// <summary>What one attempt did.</summary>
internal sealed record StepExecution
{
    public required StepState State { get; init; }

    public int? ExitCode { get; init; }

    public string Stdout { get; init; } = string.Empty;

    public string Stderr { get; init; } = string.Empty;

    public string? Error { get; init; }

    /// <summary>Per-target outcomes of a fan-out step.</summary>
    public IReadOnlyList<TargetOutcome> Outcomes { get; init; } = [];
}
