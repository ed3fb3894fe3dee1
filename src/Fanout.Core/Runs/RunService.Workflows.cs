using Fanout.Workflows.Engine;

namespace Fanout.Runs;

public sealed partial class RunService
{
    /// <summary>
    /// Runs (or resumes) a workflow through <paramref name="runner"/> as a run of this service: the run id comes from the
    /// one generator, and a cancel request stored by any process (<c>fanout cancel</c>, the API) cancels it like Ctrl-C.
    /// </summary>
    /// <exception cref="FanoutException">Resume without a store, or the run cannot be reopened.</exception>
    public async Task<WorkflowRunResult> ExecuteWorkflowAsync(WorkflowRunner runner, WorkflowRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        request = request with { RunId = request.RunId ?? NewRunId() };
        if (Store is not { } store)
        {
            return await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
        }

        CancelRequestWatch watch = CancelRequestWatch.Start(store, request.RunId!, _recorderOptions.CancelPollInterval, _time, _logger, cancellationToken);
        await using (watch.ConfigureAwait(false))
        {
            return await runner.RunAsync(request, watch.Token).ConfigureAwait(false);
        }
    }
}
