using System.Collections.Concurrent;
using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Core.Tests.Workflows.Engine;

/// <summary>An in-memory store for the runner's logic tests (the SQL stores are tested against this contract in Fanout.Storage.Tests).</summary>
internal sealed class MemoryWorkflowStore : IRunStore, IWorkflowStore
{
    public ConcurrentDictionary<string, RunRecord> Runs { get; } = new();

    public ConcurrentDictionary<string, CircuitBreakerRecord> Breakers { get; } = new();

    public ConcurrentDictionary<(string, string), ApprovalRecord> Approvals { get; } = new();

    public ConcurrentDictionary<(string, string), WorkflowStepRecord> Steps { get; } = new();

    public ConcurrentQueue<RunAnnotationRecord> Annotations { get; } = new();

    public ConcurrentQueue<RunMetricRecord> Metrics { get; } = new();

    public ConcurrentQueue<TargetAttemptRecord> Attempts { get; } = new();

    public ConcurrentQueue<RunEventRecord> Events { get; } = new();

    public string Location => "memory";

    public IWorkflowStore? Workflows => this;

    public string LogDirectory => Path.GetTempPath();

    public Task CreateRunAsync(RunRecord run, IReadOnlyList<RunTargetRecord> targets, CancellationToken cancellationToken)
    {
        Runs[run.RunId] = run;
        return Task.CompletedTask;
    }

    public Task WriteAsync(RunWriteBatch batch, CancellationToken cancellationToken)
    {
        foreach (TargetAttemptRecord a in batch.Attempts)
        {
            Attempts.Enqueue(a);
        }

        foreach (RunEventRecord e in batch.Events)
        {
            Events.Enqueue(e);
        }

        if (batch.Counts is { } counts)
        {
            Runs[batch.RunId] = Runs[batch.RunId] with { Counts = counts };
        }

        return Task.CompletedTask;
    }

    public Task FinishRunAsync(string runId, RunStatus status, DateTimeOffset endedAt, RunCounts counts, string? stopReason, CancellationToken cancellationToken)
    {
        Runs[runId] = Runs[runId] with { Status = status, EndedAt = endedAt, Counts = counts, StopReason = stopReason };
        return Task.CompletedTask;
    }

    public Task<bool> RenewLeaseAsync(string runId, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<bool> ReopenRunAsync(string runId, string ownerHost, int ownerPid, DateTimeOffset leaseExpiresAt, CancellationToken cancellationToken)
    {
        if (!Runs.TryGetValue(runId, out RunRecord? run) || run.Status == RunStatus.Running)
        {
            return Task.FromResult(false);
        }

        Runs[runId] = run with { Status = RunStatus.Running };
        return Task.FromResult(true);
    }

    public Task<bool> RequeueRunAsync(string runId, string ownerHost, int ownerPid, CancellationToken cancellationToken)
    {
        if (!Runs.TryGetValue(runId, out RunRecord? run) || run.Status is RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval)
        {
            return Task.FromResult(false);
        }

        Runs[runId] = run with { Status = RunStatus.Queued, EndedAt = null, StopReason = null };
        return Task.FromResult(true);
    }

    public Task<bool> InterruptRunAsync(string runId, string ownerHost, int ownerPid, string reason, CancellationToken cancellationToken)
    {
        if (!Runs.TryGetValue(runId, out RunRecord? run) || run.Status.IsFinal() || run.OwnerHost != ownerHost || run.OwnerPid != ownerPid)
        {
            return Task.FromResult(false);
        }

        Runs[runId] = run with { Status = RunStatus.Interrupted, StopReason = reason };
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<RunRecord>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunRecord>>([.. Runs.Values]);

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) => Task.FromResult(Runs.GetValueOrDefault(runId));

    public Task<IReadOnlyList<RunTargetRecord>> GetRunTargetsAsync(string runId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunTargetRecord>>([]);

    /// <summary>As the real stores read: one row per (target, attempt) — the last write wins, as an upsert — with every field of the query honoured.</summary>
    public Task<IReadOnlyList<TargetAttemptRecord>> GetAttemptsAsync(string runId, AttemptQuery? query, CancellationToken cancellationToken)
    {
        query ??= new AttemptQuery();
        IEnumerable<TargetAttemptRecord> rows = Attempts.Where(a => a.RunId == runId)
            .GroupBy(a => (a.Target, a.Attempt))
            .Select(g => g.Last() with { StartedAt = g.Last().StartedAt ?? g.Select(a => a.StartedAt).LastOrDefault(t => t is not null) })
            .Where(a => (query.Target is null || a.Target == query.Target) && (query.Targets is null || query.Targets.Contains(a.Target)));
        if (query.LatestOnly)
        {
            rows = rows.GroupBy(a => a.Target).Select(g => g.MaxBy(a => a.Attempt)!);
        }

        if (query.WithoutOutput)
        {
            rows = rows.Select(a => a with { Stdout = null, Stderr = null, StdoutLog = null, StderrLog = null });
        }

        return Task.FromResult<IReadOnlyList<TargetAttemptRecord>>([.. rows.Where(a => query.States is null || query.States.Contains(a.State))]);
    }

    public Task<IReadOnlyList<RunEventRecord>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunEventRecord>>([.. Events.Where(e => e.RunId == runId && e.Sequence > afterSequence).Take(limit)]);

    public Task<long> GetLastSequenceAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult(Events.Where(e => e.RunId == runId).Select(e => e.Sequence).DefaultIfEmpty(0).Max());

    public ConcurrentDictionary<string, CancelRequest> CancelRequests { get; } = new(StringComparer.Ordinal);

    public Task<bool> RequestCancelAsync(string runId, string actor, CancellationToken cancellationToken)
    {
        bool running = Runs.TryGetValue(runId, out RunRecord? run) && !run.Status.IsFinal();
        if (running)
        {
            CancelRequests.TryAdd(runId, new CancelRequest(actor, DateTimeOffset.UtcNow));
        }

        return Task.FromResult(running);
    }

    public Task<CancelRequest?> GetCancelRequestAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult(CancelRequests.GetValueOrDefault(runId));

    public Task<CleanupResult> CleanupAsync(DateTimeOffset olderThan, int keepLast, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> AddScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<ScheduleRecord>> GetSchedulesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> DeleteScheduleAsync(string name, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> UpdateScheduleAsync(ScheduleRecord schedule, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task RecordScheduleFireAsync(string name, DateTimeOffset firedAt, string? runId, string? result, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> SetRunStatusAsync(string runId, RunStatus status, CancellationToken cancellationToken)
    {
        Runs[runId] = Runs[runId] with { Status = status };
        return Task.FromResult(true);
    }

    public Task SaveStepAsync(WorkflowStepRecord step, CancellationToken cancellationToken)
    {
        Steps[(step.RunId, step.Path)] = step;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WorkflowStepRecord>> GetStepsAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WorkflowStepRecord>>([.. Steps.Values.Where(s => s.RunId == runId)]);

    public Task<CircuitBreakerRecord?> GetBreakerAsync(string workflow, string name, CancellationToken cancellationToken) =>
        Task.FromResult(Breakers.GetValueOrDefault(workflow + "/" + name));

    public Task<IReadOnlyList<CircuitBreakerRecord>> ListBreakersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CircuitBreakerRecord>>([.. Breakers.Values.OrderBy(b => b.Workflow, StringComparer.Ordinal).ThenBy(b => b.Name, StringComparer.Ordinal)]);

    public Task SaveBreakerAsync(CircuitBreakerRecord breaker, CancellationToken cancellationToken)
    {
        Breakers[breaker.Workflow + "/" + breaker.Name] = breaker;
        return Task.CompletedTask;
    }

    public Task RequestApprovalAsync(ApprovalRecord approval, CancellationToken cancellationToken)
    {
        Approvals.TryAdd((approval.RunId, approval.Step), approval);
        return Task.CompletedTask;
    }

    public Task<bool> DecideApprovalAsync(string runId, string step, bool approved, string actor, string? comment, DateTimeOffset decidedAt, CancellationToken cancellationToken)
    {
        if (!Approvals.TryGetValue((runId, step), out ApprovalRecord? a) || a.Status != "pending")
        {
            return Task.FromResult(false);
        }

        Approvals[(runId, step)] = a with { Status = approved ? "approved" : "rejected", Actor = actor, Comment = comment, DecidedAt = decidedAt };
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<ApprovalRecord>> GetApprovalsAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApprovalRecord>>([.. Approvals.Values.Where(a => a.RunId == runId)]);

    public Task AddAnnotationAsync(RunAnnotationRecord annotation, CancellationToken cancellationToken)
    {
        Annotations.Enqueue(annotation);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunAnnotationRecord>> GetAnnotationsAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunAnnotationRecord>>([.. Annotations.Where(a => a.RunId == runId)]);

    public Task SaveMetricsAsync(string runId, IReadOnlyList<RunMetricRecord> metrics, CancellationToken cancellationToken)
    {
        foreach (RunMetricRecord m in metrics)
        {
            Metrics.Enqueue(m);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunMetricRecord>> GetMetricsAsync(string runId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RunMetricRecord>>([.. Metrics]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
