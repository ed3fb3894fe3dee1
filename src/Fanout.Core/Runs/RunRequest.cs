using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Runs;

/// <summary>A run for <see cref="RunService.ExecuteAsync(RunRequest, Events.ProgressTracker?, CancellationToken)"/>: what, where, how, and how it is recorded.</summary>
public sealed record RunRequest
{
    /// <summary>What to run.</summary>
    public required IOperation Operation { get; init; }

    /// <summary>Where to run it, in order.</summary>
    public required IReadOnlyList<Target> Targets { get; init; }

    /// <summary>How to run it.</summary>
    public required ExecutionOptions Options { get; init; }

    /// <summary>What the store keeps to run it again, or <see langword="null"/> for an operation that cannot be rebuilt (then it is recorded without a definition).</summary>
    public RunDefinition? Definition { get; init; }

    /// <summary>The run id, or <see langword="null"/> for a new one. With <see cref="Resume"/> it is the resumed run's id.</summary>
    public string? RunId { get; init; }

    /// <summary>The run kind for history. The default value is the definition's kind, else <c>exec</c>.</summary>
    public string? Kind { get; init; }

    /// <summary>Who starts the run. The default value is <c>user@host</c> of this process.</summary>
    public string? Actor { get; init; }

    /// <summary>The earlier run this one retries, or <see langword="null"/>.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>Continue this stored run instead of creating one (SPEC H3); <see cref="Targets"/> are its remaining targets.</summary>
    public ResumePlan? Resume { get; init; }

    /// <summary>
    /// Why the run's cancellation token was cancelled, read once when the run ends cancelled — e.g. <c>cancelled by alice</c>
    /// or <c>cancelled: the server is shutting down</c> — and recorded as its stop reason; <see langword="null"/> (or a
    /// <see langword="null"/> answer) keeps the executor's <c>cancelled</c>. A cancel request in the store names its actor instead.
    /// </summary>
    public Func<string?>? CancelReason { get; init; }

    /// <summary>
    /// The run was recorded <see cref="RunStatus.Queued"/> by <see cref="RunService.RecordQueuedAsync"/> when it was accepted:
    /// executing it starts that record instead of creating one. The default value is false.
    /// </summary>
    public bool Queued { get; init; }

    /// <summary>
    /// Asked when the run ends cancelled with no cancel request in the store: true when its process cancelled it to hand it to another
    /// (a clustered server stopping while another coordinating server is alive, docs/scale-out.md). The run is then stored
    /// <see cref="RunStatus.Interrupted"/> with the <see cref="CancelReason"/>, not cancelled, so that other server resumes it.
    /// </summary>
    internal Func<bool>? HandedOver { get; init; }
}
