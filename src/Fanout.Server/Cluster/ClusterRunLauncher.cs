using Fanout.Cluster.Coordination;
using Fanout.Runs;
using Fanout.Server.Audit;
using Fanout.Server.Batches;
using Fanout.Server.Observability;
using Fanout.Server.Runs;
using Fanout.Server.Workflows;

namespace Fanout.Server.Cluster;

/// <summary>
/// Resumes here a run whose coordinator silo died (<see cref="RunTakeover"/>): planned by <see cref="RunService.PlanResumeAsync(string, CancellationToken)"/>
/// and queued like <c>POST /api/runs/{id}/resume</c> (requeued under this server first, so a second resume is refused), audited as
/// <c>run.takeover</c> by <c>cluster</c>. This server then serves the run's live view and cancel as for any batch it runs. A workflow
/// run is resumed through this server's workflow engine, as the API resumes it (completed steps and targets are kept; a step that
/// was running and is not marked idempotent fails, saying so, as without <c>?confirm=true</c>).
/// </summary>
internal sealed class ClusterRunLauncher(RunService runs, BatchQueue queue, WorkflowRunService workflows, IRunStore store, AuditLog audit, ServerMetrics metrics, TimeProvider time) : IRunLauncher
{
    private const string Actor = "cluster";

    public async Task<TakeoverStart> ResumeAsync(string runId, string reason, CancellationToken cancellationToken)
    {
        if (queue.Find(runId) is not null || workflows.Completion(runId) is not null)
        {
            return TakeoverStart.Started;
        }

        ContinuationPlan plan = await runs.PlanResumeAsync(runId, cancellationToken);
        if (plan.WorkflowRequest is { } workflowRequest)
        {
            return await ResumeWorkflowAsync(runId, reason, plan, workflowRequest, cancellationToken);
        }

        if (plan.Run is { } run && plan.Request is null && plan.NothingToDo is not null)
        {
            // Every target had completed when the coordinator died: the run only needed its end recorded.
            RunCounts c = run.Counts;
            RunStatus status = c.Succeeded + c.Skipped == c.Total ? RunStatus.Succeeded : RunStatus.Failed;
            await store.FinishRunAsync(runId, status, time.GetUtcNow(), c, null, cancellationToken);
            await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; nothing left to run ({status.ToWireName()})", 0, cancellationToken);
            return TakeoverStart.Started;
        }

        if (plan.Request is not { } request)
        {
            throw new FanoutException($"run {runId} cannot be resumed: {plan.Error ?? "no request"}");
        }

        request = request with { RunId = runId, Actor = Actor };
        var batch = new BatchState(runId, Actor, request, time.GetUtcNow(), request.Resume?.LastSequence ?? 0, audit, metrics);
        if (await RunEndpoints.RequeueAsync(store, runId, cancellationToken) is not { } before)
        {
            return TakeoverStart.NotNow;
        }

        if (!await queue.TryEnqueueAsync(batch, cancellationToken))
        {
            await RunEndpoints.RestoreAsync(store, before);
            return TakeoverStart.NotNow;
        }

        await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; {request.Targets.Count} targets to run ({plan.WereRunning.Count} were running)", request.Targets.Count, cancellationToken);
        return TakeoverStart.Started;
    }

    private async Task<TakeoverStart> ResumeWorkflowAsync(string runId, string reason, ContinuationPlan plan, Fanout.Workflows.Engine.WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        string? cannot = plan.Workflow is { MissingSecrets.Count: > 0 } missing
            ? $"it was given the secret parameter(s) {string.Join(", ", missing.MissingSecrets)} inline, which are never stored: resume it giving them again"
            : plan.Error;
        if (cannot is not null || plan.Workflow is null)
        {
            await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; left interrupted: {cannot ?? "the workflow cannot be prepared again"}", 0, cancellationToken);
            return TakeoverStart.Never;
        }

        if (await RunEndpoints.RequeueAsync(store, runId, cancellationToken) is not { } before)
        {
            return TakeoverStart.NotNow;
        }

        (string? started, _) = await workflows.ContinueAsync(plan.Workflow, request, Actor, confirmRerun: false, cancellationToken);
        if (started is null)
        {
            // Only a server that is stopping refuses a resume it does not check again: another server takes the run over.
            await RunEndpoints.RestoreAsync(store, before);
            return TakeoverStart.NotNow;
        }

        await audit.WriteAsync(Actor, "run.takeover", runId, $"{reason}; workflow {plan.Workflow.Workflow?.Name} resumed here", 0, cancellationToken);
        return TakeoverStart.Started;
    }
}
