namespace Fanout.Runs;

/// <summary>A stored run turned back into a request by <see cref="RunService.PlanResumeAsync(string, RunOverrides?, CancellationToken)"/> or <see cref="RunService.PlanRetryAsync(string, RetrySelection, RunOverrides?, CancellationToken)"/>, with what changed since.</summary>
public sealed record ContinuationPlan
{
    /// <summary>The request to execute, or <see langword="null"/> when there is nothing to run or <see cref="Error"/> says why not.</summary>
    public RunRequest? Request { get; init; }

    /// <summary>Why the run cannot be continued (unknown id, still running, no definition, bad inventory), or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Why nothing needs to run (e.g. every target already succeeded), or <see langword="null"/>.</summary>
    public string? NothingToDo { get; init; }

    /// <summary>Targets of the recorded selection that the inventory no longer has (they are not run).</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>Targets the recorded criteria select now that the run did not have (they are not added).</summary>
    public IReadOnlyList<string> Added { get; init; } = [];

    /// <summary>Targets that were running when the run stopped: they run again (they may have run partly).</summary>
    public IReadOnlyList<string> WereRunning { get; init; } = [];

    /// <summary>For a workflow run: the recorded definition prepared again (validated, bound, inventory loaded), or <see langword="null"/>.</summary>
    public PreparedWorkflow? Workflow { get; init; }

    /// <summary>For a workflow run: the request for the workflow engine (a resume, or a retry as a new linked run), or <see langword="null"/>.</summary>
    public Workflows.Engine.WorkflowRunRequest? WorkflowRequest { get; init; }

    /// <summary>The stored run.</summary>
    public RunRecord? Run { get; init; }
}
