using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// What a coordinator hands a worker when it opens a report channel for one run (<see cref="IWorkerGrain.OpenAsync"/>): the
/// run's definition (the worker rebuilds the operation once and finds the targets in its own copy of the inventory) and the
/// first leases; later leases of the run for this worker follow on the same channel (<see cref="IWorkerGrain.GrantAsync"/>).
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record LeaseBatch
{
    [Id(0)] public required string RunId { get; init; }

    [Id(1)] public required string Definition { get; init; }

    [Id(2)] public byte[]? StandardInput { get; init; }

    /// <summary>Most bytes of each stream sent back per target; the rest is counted and the report marked truncated.</summary>
    [Id(3)] public int OutputLimit { get; init; } = 4 * 1024 * 1024;

    /// <summary>The targets of this batch; they run at once on the worker (each within the worker's <c>--max-targets</c>).</summary>
    [Id(4)] public required TargetLease[] Leases { get; init; }

    /// <summary>
    /// The silo of the coordinator that leased this batch. When Orleans declares that silo dead, the worker stops the batch's
    /// targets (process groups killed) and drops their reports: another coordinator takes the run over and re-issues them.
    /// </summary>
    [Id(5)] public required SiloAddress Coordinator { get; init; }

    /// <summary>The channel this opens: fresh per opening; later grants and the close name it.</summary>
    [Id(6)] public Guid Channel { get; init; } = Guid.NewGuid();
}

/// <summary>One attempt on one target leased to a worker: <c>(run, target, attempt, epoch)</c> and a lease id naming this grant.</summary>
[GenerateSerializer, Immutable]
internal sealed record TargetLease
{
    [Id(0)] public required string Target { get; init; }

    [Id(1)] public required int Attempt { get; init; }

    /// <summary>A fresh id per grant: a re-issued target gets a new one, so a late report of an old grant is told apart.</summary>
    [Id(2)] public required Guid LeaseId { get; init; }

    /// <summary>The lease's epoch: 1 for the first grant of an attempt, one more for each re-issue after a lost worker.</summary>
    [Id(3)] public long Epoch { get; init; } = 1;

    /// <summary>
    /// A workflow step's command (exec) or script text rendered for this target (the step reads <c>.target</c>), run in place of
    /// the channel definition's own; null: the definition's. Never stored.
    /// </summary>
    [Id(4)] public string? Command { get; init; }
}

/// <summary>What a worker reports for one <see cref="TargetLease"/>.</summary>
[GenerateSerializer, Immutable]
internal sealed record TargetReport
{
    [Id(0)] public required Guid LeaseId { get; init; }

    [Id(1)] public required string Worker { get; init; }

    /// <summary>The target state's wire name (<c>succeeded</c>, <c>failed</c>, <c>unreachable</c>, ...).</summary>
    [Id(2)] public required string State { get; init; }

    [Id(3)] public int? ExitCode { get; init; }

    [Id(4)] public string? Error { get; init; }

    [Id(5)] public byte[] Stdout { get; init; } = [];

    [Id(6)] public long StdoutBytes { get; init; }

    [Id(7)] public byte[] Stderr { get; init; } = [];

    [Id(8)] public long StderrBytes { get; init; }

    /// <summary>The worker stopped (SIGTERM, or declared dead) while it held this lease: the target runs again elsewhere.</summary>
    [Id(9)] public bool Lost { get; init; }

    /// <summary>The epoch of the lease this reports on.</summary>
    [Id(10)] public long Epoch { get; init; }

    /// <summary>
    /// An interim report while the target runs (at most one a second per lease, <see cref="OutputForwarder"/>): <see cref="Stdout"/>
    /// and <see cref="Stderr"/> hold the bytes printed since the previous one, contiguous from the stream's start; the final
    /// report (not interim) follows with the whole output.
    /// </summary>
    [Id(11)] public bool Interim { get; init; }

    /// <summary>The first report of every channel, of no lease: the channel is open on the worker, later grants may name it.</summary>
    [Id(12)] public bool Opened { get; init; }
}

/// <summary>
/// A worker silo: runs the targets its coordinators lease to it, at most its <c>--max-targets</c> at once. A coordinator opens
/// one report channel per run it shares with this worker and keeps it while it has leases here: every lease it grants on the
/// channel reports back on it, so a target costs a grant (shared by the leases that leave together) and its share of the
/// channel's reads, not a streaming call of its own.
/// </summary>
[Alias("fanout.worker")]
internal interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens a report channel (<see cref="LeaseBatch.Channel"/>) and runs the first leases of <paramref name="opening"/>. Yields
    /// an <see cref="TargetReport.Opened"/> report first, then each lease's reports — of this and of every later grant on the
    /// channel — as its target prints and ends, until the coordinator closes the channel (<see cref="CloseAsync"/>). Fails with a
    /// <see cref="Orleans.Runtime.SiloUnavailableException"/> when the worker's silo is declared dead.
    /// </summary>
    [Alias("open")]
    IAsyncEnumerable<TargetReport> OpenAsync(LeaseBatch opening);

    /// <summary>
    /// Runs <paramref name="leases"/> under the open channel <paramref name="channel"/>: their reports come on it. One-way (no
    /// response message): a grant the worker cannot take — the channel ended here (closed, drained, its coordinator declared dead)
    /// — is answered by the channel's stream ending, which fails every lease the coordinator granted on it.
    /// </summary>
    [Alias("grant")]
    [Orleans.Concurrency.OneWay]
    Task GrantAsync(Guid channel, TargetLease[] leases);

    /// <summary>Closes the channel: its stream ends; a lease still running on it is stopped (the coordinator closes idle channels).</summary>
    [Alias("close")]
    Task CloseAsync(Guid channel);

    /// <summary>Stops the targets of the given leases (run cancelled, target timed out); their reports say cancelled.</summary>
    [Alias("cancel")]
    Task CancelAsync(Guid[] leaseIds);
}
