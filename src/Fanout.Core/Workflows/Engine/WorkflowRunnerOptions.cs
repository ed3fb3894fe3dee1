using Fanout.Transports;
using Fanout.Workflows.Notifications;
using Microsoft.Extensions.Logging;

namespace Fanout.Workflows.Engine;

/// <summary>How a <see cref="WorkflowRunner"/> runs workflows. Options are plain values with documented defaults.</summary>
public sealed class WorkflowRunnerOptions
{
    /// <summary>The transports steps run through. The default value registers the local transport only.</summary>
    public TransportRegistry? Transports { get; set; }

    /// <summary>The inventory that <c>targets:</c> steps select from. The default value is none (such steps fail).</summary>
    public Inventory.Inventory? Inventory { get; set; }

    /// <summary>The clock for timeouts, retry delays, breakers and timestamps. The default value is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Where the runner logs. The default value logs nothing.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// The store runs, steps, breakers, approvals and metrics are recorded in; must also implement
    /// <see cref="IWorkflowStore"/> for breakers and approvals to persist. The default value records nothing
    /// (breaker state then lives only for the run, and approvals need <see cref="ApprovalPrompt"/>).
    /// </summary>
    public Runs.IRunStore? Store { get; set; }

    /// <summary>
    /// Fanout's config file: the actions recovery strategies may run when the workflow does not define them, the log
    /// aggregation sink of <c>monitoring.log_aggregation</c>, and the channels <c>monitoring.alert_on_failure</c> uses when
    /// the workflow names none. The default value is null (none of these).
    /// </summary>
    public Configuration.FanoutConfig? Config { get; set; }

    /// <summary>Sends <c>notifications.events</c>. The default value is <see cref="NullNotifier.Instance"/>.</summary>
    public INotifier? Notifier { get; set; }

    /// <summary>
    /// Where the targets of fan-out steps run: the cluster's workers (a clustered <c>fanout serve</c> sets it), or this process
    /// when null (the default). Plain steps (no <c>targets:</c>) always run in this process.
    /// </summary>
    internal IStepTargetDispatcher? TargetDispatcher { get; set; }

    /// <summary>Caps the number of leaf steps running at once (<c>--parallel</c>). The default value is no cap beyond the workflow's.</summary>
    public int? MaxParallel { get; set; }

    /// <summary>Overrides the workflow's error strategy with <c>continue_on_error</c> (<c>--continue-on-error</c>). The default value is false.</summary>
    public bool ContinueOnError { get; set; }

    /// <summary>The overall time limit of the run (<c>--timeout</c>). The default value is none.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Asks a person at a terminal to approve a step: returns true (approve), false (reject) or null (no answer: wait
    /// for <c>fanout approve</c>/<c>reject</c> through the store). The argument is the step path. The default value is none.
    /// </summary>
    public Func<string, CancellationToken, Task<bool?>>? ApprovalPrompt { get; set; }

    /// <summary>How often a waiting approval polls the store. The default value is 500 ms.</summary>
    public TimeSpan ApprovalPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// On resume, asks whether a step that is not idempotent and was running at the crash may run again (its path is
    /// the argument). The default value answers no (the step fails with a message saying to pass --yes).
    /// </summary>
    public Func<string, CancellationToken, Task<bool>>? ConfirmRerun { get; set; }

    /// <summary>
    /// The tracker the run publishes its sequence-numbered events on (<see cref="Events.StepStarted"/>,
    /// <see cref="Events.StepFinished"/>, approvals, breakers, rollback, and a <see cref="Events.TargetStarted"/>/<see cref="Events.TargetFinished"/>
    /// per plain step and per target of a fan-out step) — the same stream as exec runs, read by displays and the server.
    /// A tracker follows one run. The default value is a tracker of the runner's own.
    /// </summary>
    public Events.ProgressTracker? Progress { get; set; }

    /// <summary>How often the run's lease in the store is renewed. The default value is 10 seconds (lease 30 seconds).</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The step executor; tests and benchmarks replace it with an in-memory one.</summary>
    internal IStepExecutor? StepExecutor { get; set; }
}
