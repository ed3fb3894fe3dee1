using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>Manual approval (SPEC W14): the run pauses until the terminal prompt, <c>fanout approve/reject</c> or the API decides.</summary>
internal sealed partial class WorkflowExecution
{
    private async Task<(bool Approved, string Detail)> ApproveAsync(RuntimeStep node, CancellationToken ct)
    {
        node.State = StepState.AwaitingApproval;
        DateTimeOffset requested = _time.GetUtcNow();
        IWorkflowStore? store = _options.Store is null ? null : _workflowStore;
        if (store is null && _options.ApprovalPrompt is null)
        {
            return (false, "manual approval needs a run store (fanout approve) or a terminal to ask at");
        }

        if (store is not null)
        {
            await store.RequestApprovalAsync(new ApprovalRecord { RunId = RunId, Step = node.Path, Status = "pending", RequestedAt = requested }, ct).ConfigureAwait(false);
            await store.SetRunStatusAsync(RunId, RunStatus.AwaitingApproval, ct).ConfigureAwait(false);
        }

        _publisher.Publish(new Events.ApprovalRequested { RunId = RunId, Timestamp = requested, Path = node.Path });
        await _publisher.FlushStateAsync().ConfigureAwait(false);
        await NotifyAsync("requires_approval", node.Path, $"step '{node.Path}' of workflow {_workflow.Name} waits for approval (fanout approve {RunId} {node.Path})", null, ct).ConfigureAwait(false);
        try
        {
            using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task<(bool, string)?> polling = store is null ? Task.FromResult<(bool, string)?>(null) : PollApprovalAsync(store, node.Path, done.Token);
            Task<bool?> prompt = _options.ApprovalPrompt is { } ask ? ask(node.Path, done.Token) : Task.FromResult<bool?>(null);
            (bool, string)? decision = null;
            var pending = new List<Task> { polling, prompt };
            while (decision is null && pending.Count > 0)
            {
                Task first = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(first);
                if (first == prompt && await prompt.ConfigureAwait(false) is { } answer)
                {
                    string actor = Actor;
                    if (store is null || await store.DecideApprovalAsync(RunId, node.Path, answer, actor, "answered at the terminal", _time.GetUtcNow(), ct).ConfigureAwait(false))
                    {
                        decision = (answer, $"{(answer ? "approved" : "rejected")} by {actor} at the terminal");
                    }
                }
                else if (first == polling)
                {
                    decision = await polling.ConfigureAwait(false);
                }
            }

            await done.CancelAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            decision ??= (false, "no approval decision could be made (no terminal and no store)");
            _publisher.Publish(new Events.ApprovalDecided { RunId = RunId, Timestamp = _time.GetUtcNow(), Path = node.Path, Approved = decision.Value.Item1, Detail = Mask(decision.Value.Item2) });
            await AnnotateAsync("approval", "info", $"step '{node.Path}': {decision.Value.Item2}", ct).ConfigureAwait(false);
            return decision.Value;
        }
        finally
        {
            if (store is not null)
            {
                await store.SetRunStatusAsync(RunId, RunStatus.Running, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private string Actor => _request.Actor ?? RunService.DefaultActor;

    private async Task<(bool, string)?> PollApprovalAsync(IWorkflowStore store, string step, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                IReadOnlyList<ApprovalRecord> approvals = await store.GetApprovalsAsync(RunId, ct).ConfigureAwait(false);
                if (approvals.FirstOrDefault(a => a.Step == step) is { Status: "approved" or "rejected" } a)
                {
                    bool approved = a.Status == "approved";
                    return (approved, $"{a.Status} by {a.Actor ?? "?"}{(string.IsNullOrEmpty(a.Comment) ? string.Empty : ": " + a.Comment)}");
                }

                await Task.Delay(_options.ApprovalPollInterval, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
