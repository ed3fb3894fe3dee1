using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Workflows.Engine;
using Microsoft.Extensions.Logging;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// Leases the targets of a run to the cluster's workers when a worker can rebuild the run from its recorded definition:
/// exec, script, sync, lifecycle and device runs, and the targets of a workflow run's fan-out steps (<see cref="ForWorkflow"/>:
/// the workflow engine stays in the coordinating process). Kept in the coordinating process: runs without a definition,
/// <c>--stdin</c> runs (the bytes are not in the definition) and <c>--atomic</c> runs (their rollback must run where the
/// target ran) — see docs/scale-out.md.
/// </summary>
internal sealed class ClusterRunDistributor(WorkerDirectory workers, IGrainFactory grains, ClusterMetrics metrics, Orleans.Runtime.ILocalSiloDetails silo, ILoggerFactory loggers) : IRunDistributor
{
    public RunRequest Distribute(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CanDistribute(request.Definition, request.Options.Atomic))
        {
            return request.Definition?.WorkerLabels is { Count: > 0 } labels
                ? throw new FanoutException($"the run asks for workers labelled {Runs.WorkerLabels.Format(labels)}, but {WhyKept(request.Definition, request.Options.Atomic)} runs in the coordinating server, not on workers")
                : request;
        }

        return request with { Operation = Lease(request.Operation, request.Definition!.ToJson(), request.Definition.WorkerLabels, null) };
    }

    public IStepTargetDispatcher? ForWorkflow(RunDefinition workflowRun)
    {
        ArgumentNullException.ThrowIfNull(workflowRun);
        return new StepDispatcher(this, workflowRun.Inventory, workflowRun.Ssh);
    }

    /// <summary>A workflow run's fan-out steps, each leased to workers as a definition over the run's inventory and SSH settings.</summary>
    private sealed class StepDispatcher(ClusterRunDistributor cluster, IReadOnlyList<string> inventory, RecordedSshOptions? ssh) : IStepTargetDispatcher
    {
        public IOperation Dispatch(IOperation local, RunDefinition step, Func<Target, string?>? renderFor) =>
            cluster.Lease(local, (step with { Inventory = inventory, Ssh = ssh }).ToJson(), null, renderFor);
    }

    private ClusterDispatchOperation Lease(IOperation local, string definition, IReadOnlyDictionary<string, string>? labels, Func<Target, string?>? renderFor) =>
        new(local, definition, labels, workers, grains, metrics, silo.SiloAddress, loggers.CreateLogger("Fanout.Cluster"), renderFor);

    /// <summary>What keeps a run of <paramref name="definition"/> off the workers (see <see cref="CanDistribute"/>).</summary>
    public static string WhyKept(RunDefinition? definition, bool atomic) => definition switch
    {
        null => "a run that cannot be rebuilt from a record (e.g. an instance action)",
        { Kind: "workflow" } => "a workflow run",
        { Stdin: true } => "a --stdin run",
        _ when atomic => "an --atomic run",
        _ => "this run",
    };

    /// <summary>Whether a run of <paramref name="definition"/> can run on workers.</summary>
    public static bool CanDistribute(RunDefinition? definition, bool atomic) =>
        definition is { Stdin: false } d && d.Kind != "workflow" && !atomic;
}
