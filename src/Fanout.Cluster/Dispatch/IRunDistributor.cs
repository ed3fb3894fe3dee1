using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// Where the targets of a run execute (ARCHITECTURE "Scale-out on Orleans"): in this process, or leased to the cluster's
/// workers. Either way the same executor, recorder and store rows — only the per-target operation differs.
/// </summary>
internal interface IRunDistributor
{
    /// <summary>The request to execute: <paramref name="request"/> itself, or one whose operation runs each target on a worker.</summary>
    RunRequest Distribute(RunRequest request);

    /// <summary>
    /// Where the fan-out steps of the workflow run <paramref name="workflowRun"/> run their targets: the cluster's workers, or
    /// this process (null). Workers rebuild each step over the run's inventory sources and SSH settings.
    /// </summary>
    IStepTargetDispatcher? ForWorkflow(RunDefinition workflowRun);
}

/// <summary>Everything in this process (SQLite, or <c>fanout serve</c> without <c>--role</c>).</summary>
internal sealed class LocalRunDistributor : IRunDistributor
{
    public RunRequest Distribute(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Definition?.WorkerLabels is { Count: > 0 } labels
            ? throw new FanoutException($"the run asks for workers labelled {WorkerLabels.Format(labels)}, but this server is not part of a cluster (start it with fanout serve --role api|all)")
            : request;
    }

    public IStepTargetDispatcher? ForWorkflow(RunDefinition workflowRun) => null;
}
