using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Workflows.Engine;

/// <summary>
/// The events of one attempt of a main step, re-published on the run's stream: the step's executor reports on its
/// own <see cref="Tracker"/>; each target becomes a unit named <c>STEP/TARGET</c> (a plain step: the step path) with
/// the step's attempt number, its start made durable first (<see cref="Wrap"/>) and its outputs masked. Failures
/// that a further step attempt will retry are reported as <see cref="TargetRetrying"/> and held until the step
/// knows it will not retry (<see cref="Release"/>).
/// </summary>
internal sealed class StepTargetEvents
{
    private readonly WorkflowPublisher _publisher;
    private readonly string _path;
    private readonly bool _fanOut;
    private readonly int _attempt;
    private readonly bool _holdFailures;
    private readonly List<TargetOutcome> _held = [];

    public StepTargetEvents(WorkflowPublisher publisher, string path, bool fanOut, int attempt, bool holdFailures, TimeProvider time)
    {
        _publisher = publisher;
        _path = path;
        _fanOut = fanOut;
        _attempt = attempt;
        _holdFailures = holdFailures;
        Tracker = new ProgressTracker(time);
        Tracker.OnEvent(Forward);
    }

    /// <summary>The tracker the step's executor reports on.</summary>
    public ProgressTracker Tracker { get; }

    /// <summary>The unit name of a target of this step.</summary>
    public string Qualify(string target) => _fanOut ? _path + "/" + target : _path;

    /// <summary>Wraps the step's operation so every target's start is recorded (durably) before it runs.</summary>
    public IOperation Wrap(IOperation operation) => new StepRecordingOperation(operation, this);

    internal ValueTask MarkStartedAsync(Target target, OperationContext context, CancellationToken ct) =>
        _publisher.MarkStartedAsync(Qualify(target.Name), _attempt, context.Wave, ct);

    /// <summary>Reports the failures held back for a retry that will not come.</summary>
    public void Release()
    {
        List<TargetOutcome> held;
        lock (_held)
        {
            held = [.. _held];
            _held.Clear();
        }

        foreach (TargetOutcome o in held)
        {
            _publisher.Finish(o, _path);
        }
    }

    private void Forward(RunEvent e)
    {
        switch (e)
        {
            case TargetStarted s:
                _publisher.Publish(new TargetStarted { RunId = _publisher.RunId, Timestamp = s.Timestamp, Target = Qualify(s.Target), Step = _path, Wave = s.Wave, Attempt = _attempt });
                break;
            case TargetFinished f:
                TargetOutcome o = f.Outcome with
                {
                    Target = Qualify(f.Outcome.Target),
                    Attempts = f.Outcome.Attempts > 0 ? _attempt : 0,
                    Stdout = _publisher.Mask(f.Outcome.Stdout),
                    Stderr = _publisher.Mask(f.Outcome.Stderr),
                    Error = _publisher.Mask(f.Outcome.Error),
                };
                if (_holdFailures && o.State is not (TargetState.Succeeded or TargetState.Skipped or TargetState.Cancelled))
                {
                    lock (_held)
                    {
                        _held.Add(o);
                    }

                    if (o.Attempts > 0)
                    {
                        _publisher.Publish(new TargetRetrying { RunId = _publisher.RunId, Timestamp = f.Timestamp, Target = o.Target, Step = _path, Attempt = _attempt, Delay = TimeSpan.Zero, Error = o.Error, ExitCode = o.ExitCode });
                    }
                }
                else
                {
                    _publisher.Finish(o, _path);
                }

                break;
        }
    }
}
