using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Runs the targets of a workflow's fan-out steps somewhere other than this process — the cluster's workers
/// (docs/scale-out.md "Workflow runs"). The step's executor in this process keeps its parallelism, waves, timeout, failure
/// threshold and cancellation, and the run's recorder writes every row; only each target's operation is replaced.
/// </summary>
internal interface IStepTargetDispatcher
{
    /// <summary>
    /// The operation the step's executor runs for each target in place of <paramref name="local"/>: it runs
    /// <paramref name="step"/> (an exec or script definition, <see cref="RunDefinition.ForWorkflowStep"/>) on a worker. When
    /// <paramref name="renderFor"/> is given, the command or script rendered for each target travels with that target.
    /// </summary>
    IOperation Dispatch(IOperation local, RunDefinition step, Func<Target, string?>? renderFor);
}
