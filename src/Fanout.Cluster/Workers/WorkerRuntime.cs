using System.Collections.Concurrent;
using Fanout.Cluster.Hosting;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Runs;
using Fanout.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// What a worker silo does with a <see cref="TargetLease"/>: rebuilds the run's operation from its definition (once per run,
/// cached), finds the target in the inventory the definition names, and runs that one target through the same
/// <see cref="BatchExecutor"/> a single-process run uses — sessions, output capture, cancellation and process-group kills
/// included. Retries, waves, failure policy and the timeout belong to the coordinator; the worker runs one attempt.
/// </summary>
internal sealed class WorkerRuntime(ClusterSettings settings, IHostApplicationLifetime lifetime, ILogger<WorkerRuntime> logger)
{
    private static readonly TimeSpan CacheIdle = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _slots = new(settings.MaxTargets, settings.MaxTargets);
    private readonly ConcurrentDictionary<string, ResolvedRun> _runs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abort = new();
    private int _running;
    private long _completed;

    /// <summary>Targets running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Targets this silo has finished since it started.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    public async Task<TargetReport> RunAsync(TargetLease lease, CancellationToken cancellationToken)
    {
        // The silo stopping — SIGTERM, or Orleans telling a silo voted dead to stop — stops every target it runs
        // (their process groups are killed), so nothing keeps running that the coordinator re-issues elsewhere.
        // The coordinator is told the worker is gone (not that the target failed), so it runs the target on another worker.
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping, _abort.Token);
        try
        {
            await _slots.WaitAsync(both.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Stopping(cancellationToken))
        {
            throw new SiloUnavailableException($"worker {settings.Name} is stopping");
        }

        Interlocked.Increment(ref _running);
        try
        {
            TargetReport report = await RunOneAsync(lease, both.Token).ConfigureAwait(false);
            return Stopping(cancellationToken) ? throw new SiloUnavailableException($"worker {settings.Name} stopped while running {lease.Target}") : report;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            Interlocked.Increment(ref _completed);
            _slots.Release();
        }
    }

    private async Task<TargetReport> RunOneAsync(TargetLease lease, CancellationToken cancellationToken)
    {
        ResolvedRun run;
        try
        {
            run = await ResolveAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FanoutException or FormatException or ArgumentException or IOException)
        {
            return Report(lease, TargetState.Failed, null, $"worker {settings.Name} cannot run the run's definition: {e.Message}");
        }

        if (run.Inventory.FindTarget(lease.Target) is not { } target)
        {
            return Report(lease, TargetState.Failed, null, $"target '{lease.Target}' is not in the inventory of worker {settings.Name}");
        }

        // One attempt, no timeout of its own: the coordinator's timeout cancels this call, which stops the process.
        ExecutionOptions options = run.Options with
        {
            MaxConcurrency = 1,
            BatchSizes = [],
            BatchWait = TimeSpan.Zero,
            Timeout = Timeout.InfiniteTimeSpan,
            OverallTimeout = null,
            FailFast = false,
            MaxFailPercent = null,
            Retries = 0,
            Atomic = false,
        };
        var executor = new BatchExecutor(options, run.Transports, TimeProvider.System, logger);
        BatchResult result = await executor.ExecuteAsync(run.Operation, [target], null, lease.RunId, cancellationToken).ConfigureAwait(false);
        TargetOutcome outcome = result.Outcomes[0];
        try
        {
            return await ReportAsync(lease, outcome, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            result.DeleteSpillFiles(); // the bytes are in the report now: nothing of a target stays on the worker
        }
    }

    private async Task<TargetReport> ReportAsync(TargetLease lease, TargetOutcome outcome, CancellationToken cancellationToken) =>
        new()
        {
            LeaseId = lease.LeaseId,
            Worker = settings.Name,
            State = outcome.State.ToWireName(),
            ExitCode = outcome.ExitCode,
            Error = outcome.Error,
            Stdout = await ReadAsync(outcome.Stdout, lease.OutputLimit, cancellationToken).ConfigureAwait(false),
            StdoutBytes = outcome.Stdout.TotalBytes,
            Stderr = await ReadAsync(outcome.Stderr, lease.OutputLimit, cancellationToken).ConfigureAwait(false),
            StderrBytes = outcome.Stderr.TotalBytes,
        };

    /// <summary>
    /// Stops every target this silo runs now — their process groups are killed as on cancellation — and waits at most
    /// <paramref name="wait"/> for them to end. Called when Orleans tells this silo it was declared dead, just before the
    /// process ends: the coordinator re-issues those targets elsewhere, so none may keep running here.
    /// </summary>
    /// <returns>Whether every target ended in time.</returns>
    public bool AbortAll(TimeSpan wait)
    {
        _abort.Cancel();
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (Running > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        return Running == 0;
    }

    private bool Stopping(CancellationToken call) =>
        (lifetime.ApplicationStopping.IsCancellationRequested || _abort.IsCancellationRequested) && !call.IsCancellationRequested;

    private TargetReport Report(TargetLease lease, TargetState state, int? exitCode, string error) => new()
    {
        LeaseId = lease.LeaseId,
        Worker = settings.Name,
        State = state.ToWireName(),
        ExitCode = exitCode,
        Error = error,
    };

    private static async Task<byte[]> ReadAsync(CapturedOutput output, int limit, CancellationToken cancellationToken)
    {
        if (output.TotalBytes == 0)
        {
            return [];
        }

        await using Stream stream = output.OpenRead();
        var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while (buffer.Length < limit && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async Task<ResolvedRun> ResolveAsync(TargetLease lease, CancellationToken cancellationToken)
    {
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        foreach ((string id, ResolvedRun old) in _runs)
        {
            if (now - old.LastUsed > CacheIdle)
            {
                _runs.TryRemove(id, out _);
            }
        }

        if (_runs.TryGetValue(lease.RunId, out ResolvedRun? cached) && cached.Definition == lease.Definition)
        {
            cached.LastUsed = now;
            return cached;
        }

        RunDefinition definition = RunDefinition.FromJson(lease.Definition);
        var runs = new RunService();
        Inventory.Inventory inventory = await runs.LoadInventoryAsync(definition.Inventory, cancellationToken).ConfigureAwait(false);
        IOperation operation = definition.CreateOperation(inventory, lease.StandardInput);
        var resolved = new ResolvedRun(lease.Definition, inventory, operation, definition.Options.ToExecutionOptions(), BuiltInTransports.Create(definition.Ssh?.ToOptions())) { LastUsed = now };
        _runs[lease.RunId] = resolved;
        return resolved;
    }

    private sealed record ResolvedRun(string Definition, Inventory.Inventory Inventory, IOperation Operation, ExecutionOptions Options, TransportRegistry Transports)
    {
        public DateTimeOffset LastUsed { get; set; }
    }
}
