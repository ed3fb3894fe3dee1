using Fanout.Cluster.Coordination;
using Fanout.Runs;
using Fanout.Server.Audit;
using Fanout.Server.Batches;
using Fanout.Server.Observability;
using Fanout.Server.Runs;

namespace Fanout.Server.Cluster;

/// <summary>
/// Resumes here a run whose coordinator silo died (<see cref="RunTakeover"/>): planned by <see cref="RunService.PlanResumeAsync(string, CancellationToken)"/>
/// and queued like <c>POST /api/runs/{id}/resume</c> (requeued under this server first, so a second resume is refused), audited as
/// <c>run.takeover</c> by <c>cluster</c>. This server then serves the run's live view and cancel as for any batch it runs.
/// </summary>
internal sealed class ClusterRunLauncher(RunService runs, BatchQueue queue, IRunStore store, AuditLog audit, ServerMetrics metrics, TimeProvider time) : IRunLauncher
{
    private const string Actor = "cluster";

    public async Task<bool> ResumeAsync(string runId, string reason, CancellationToken cancellationToken)
    {
        if (queue.Find(runId) is not null)
        {
            return true;
        }

        ContinuationPlan plan = await runs.PlanResumeAsync(runId, cancellationToken);
        if (plan.Run is { } run && plan.Request is null && plan.NothingToDo is not null)
        {
            // Every target had completed when the coordinator died: the run only needed its end recorded.
            RunCounts c = run.Counts;
            RunStatus status = c.Succeeded + c.Skipped == c.Total ? RunStatus.Succeeded : RunStatus.Failed;
            await store.FinishRunAsync(runId, status, time.GetUtcNow(), c, null, cancellationToken);
            await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; nothing left to run ({status.ToWireName()})", 0, cancellationToken);
            return true;
        }

        if (plan.Request is not { } request)
        {
            throw new FanoutException($"run {runId} cannot be resumed: {plan.Error ?? "no request"}");
        }

        request = request with { RunId = runId, Actor = Actor };
        var batch = new BatchState(runId, Actor, request, time.GetUtcNow(), request.Resume?.LastSequence ?? 0, audit, metrics);
        if (await RunEndpoints.RequeueAsync(store, runId, cancellationToken) is not { } before)
        {
            return false;
        }

        if (!await queue.TryEnqueueAsync(batch, cancellationToken))
        {
            await RunEndpoints.RestoreAsync(store, before);
            return false;
        }

        await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; {request.Targets.Count} targets to run ({plan.WereRunning.Count} were running)", request.Targets.Count, cancellationToken);
        return true;
    }
}
