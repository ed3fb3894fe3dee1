using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Manual approval (SPEC W14): the step's run pauses until the terminal prompt, <c>fanout approve/reject</c> or the
/// API decides. The request is stored (pending), the run shows <c>awaiting-approval</c>, and
/// <see cref="Events.ApprovalRequested"/>/<see cref="Events.ApprovalDecided"/> go on the run's event stream.
/// </summary>
internal sealed class ApprovalGate
{
    private readonly string _runId;
    private readonly WorkflowRunnerOptions _options;
    private readonly IWorkflowStore? _store;
    private readonly WorkflowPublisher _publisher;
    private readonly RunReporter _reporter;
    private readonly TimeProvider _time;
    private readonly string _actor;

    // The workflow asks for a distinct approver (approval: {distinct_approver: true}): the starter's terminal prompt may
    // reject, never approve — someone else approves (fanout approve, the API).
    private readonly bool _distinctApprover;

    public ApprovalGate(string runId, WorkflowRunnerOptions options, WorkflowPublisher publisher, RunReporter reporter, TimeProvider time, string actor, bool distinctApprover = false)
    {
        _distinctApprover = distinctApprover;
        _runId = runId;
        _options = options;
        _store = options.Store?.Workflows;
        _publisher = publisher;
        _reporter = reporter;
        _time = time;
        _actor = actor;
    }

    /// <summary>Asks for the approval of <paramref name="node"/> and waits for the decision (approved, detail).</summary>
    public async Task<(bool Approved, string Detail)> ApproveAsync(RuntimeStep node, CancellationToken ct)
    {
        node.State = StepState.AwaitingApproval;
        DateTimeOffset requested = _time.GetUtcNow();
        IWorkflowStore? store = _store;
        if (store is null && _options.ApprovalPrompt is null)
        {
            return (false, "manual approval needs a run store (fanout approve) or a terminal to ask at");
        }

        if (store is not null)
        {
            await store.RequestApprovalAsync(new ApprovalRecord { RunId = _runId, Step = node.Path, Status = "pending", RequestedAt = requested }, ct).ConfigureAwait(false);
            await store.SetRunStatusAsync(_runId, RunStatus.AwaitingApproval, ct).ConfigureAwait(false);
        }

        _publisher.Publish(new Events.ApprovalRequested { RunId = _runId, Timestamp = requested, Path = node.Path });
        await _publisher.FlushStateAsync().ConfigureAwait(false);
        await _reporter.NotifyAsync("requires_approval", node.Path, $"step '{node.Path}' of workflow {_reporter.Workflow} waits for approval (fanout approve {_runId} {node.Path})", null, ct).ConfigureAwait(false);
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
                    if (answer && _distinctApprover)
                    {
                        continue; // the prompt is the starter's: an approval must come from someone else, keep waiting for it
                    }

                    string actor = _actor;
                    if (store is null || await store.DecideApprovalAsync(_runId, node.Path, answer, actor, "answered at the terminal", _time.GetUtcNow(), ct).ConfigureAwait(false))
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
            _publisher.Publish(new Events.ApprovalDecided { RunId = _runId, Timestamp = _time.GetUtcNow(), Path = node.Path, Approved = decision.Value.Item1, Detail = _reporter.Mask(decision.Value.Item2) });
            await _reporter.AnnotateAsync("approval", "info", $"step '{node.Path}': {decision.Value.Item2}", ct).ConfigureAwait(false);
            return decision.Value;
        }
        finally
        {
            if (store is not null)
            {
                await store.SetRunStatusAsync(_runId, RunStatus.Running, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<(bool, string)?> PollApprovalAsync(IWorkflowStore store, string step, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                IReadOnlyList<ApprovalRecord> approvals = await store.GetApprovalsAsync(_runId, ct).ConfigureAwait(false);
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
