namespace Fanout.Cluster.Workers;

/// <summary>
/// What a coordinator hands a worker for one attempt on one target: the run's definition (the worker rebuilds the
/// operation and finds the target in its own copy of the inventory), the attempt and a lease id that names this grant.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record TargetLease
{
    [Id(0)] public required string RunId { get; init; }

    [Id(1)] public required string Target { get; init; }

    [Id(2)] public required int Attempt { get; init; }

    [Id(3)] public required string Definition { get; init; }

    [Id(4)] public byte[]? StandardInput { get; init; }

    /// <summary>A fresh id per grant: a re-issued target gets a new one, so a late report of an old grant is told apart.</summary>
    [Id(5)] public required Guid LeaseId { get; init; }

    /// <summary>Most bytes of each stream sent back; the rest is counted and the report marked truncated.</summary>
    [Id(6)] public int OutputLimit { get; init; } = 4 * 1024 * 1024;
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
}

/// <summary>A worker silo: runs the targets its coordinator leases to it, at most its <c>--max-targets</c> at once.</summary>
[Alias("fanout.worker")]
internal interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs one target; cancelling the call (run cancelled, target timed out) stops the target's process.</summary>
    [Alias("run")]
    Task<TargetReport> RunAsync(TargetLease lease, CancellationToken cancellationToken);
}
