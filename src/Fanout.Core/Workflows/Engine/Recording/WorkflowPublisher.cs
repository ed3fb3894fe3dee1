using Fanout.Events;
using Fanout.Execution;
using Fanout.Output;
using Fanout.Runs;
using Fanout.Workflows.Parameters;

namespace Fanout.Workflows.Engine;

/// <summary>
/// The one outlet of a workflow run: numbers its events on the run's <see cref="ProgressTracker"/> (which the
/// <see cref="RunRecorder"/>, the <see cref="WorkflowStateRecorder"/> and any display subscribe to), makes attempt
/// starts durable before they run, and keeps the final outcome of every unit (a plain step, or one target of a
/// fan-out step) so each is reported exactly once.
/// </summary>
internal sealed class WorkflowPublisher
{
    private readonly ProgressTracker _tracker;
    private readonly RunRecorder? _recorder;
    private readonly WorkflowStateRecorder? _state;
    private readonly TimeProvider _time;
    private readonly IReadOnlyCollection<string> _secrets;
    private readonly Dictionary<string, TargetOutcome> _finished = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public WorkflowPublisher(string runId, ProgressTracker tracker, RunRecorder? recorder, WorkflowStateRecorder? state, TimeProvider time, IReadOnlyCollection<string> secrets)
    {
        RunId = runId;
        _tracker = tracker;
        _recorder = recorder;
        _state = state;
        _time = time;
        _secrets = secrets;
    }

    public string RunId { get; }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Publishes an event (numbered by the tracker).</summary>
    public void Publish(RunEvent e) => _tracker.Publish(e);

    /// <summary>Records that an attempt of <paramref name="unit"/> starts; durable when the task completes (no store: at once).</summary>
    public ValueTask MarkStartedAsync(string unit, int attempt, int wave, CancellationToken ct) =>
        _recorder is null ? ValueTask.CompletedTask : _recorder.MarkStartedAsync(unit, attempt, wave, ct);

    /// <summary>Waits until the step rows of the events published so far are written.</summary>
    public Task FlushStateAsync() => _state?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>Publishes the final outcome of a unit of <paramref name="step"/> (once per unit; later calls replace nothing).</summary>
    public void Finish(TargetOutcome outcome, string step)
    {
        lock (_finished)
        {
            if (!_finished.TryAdd(outcome.Target, outcome))
            {
                return;
            }

            _order.Add(outcome.Target);
        }

        _tracker.Publish(new TargetFinished { RunId = RunId, Timestamp = Now, Outcome = outcome, Step = step });
    }

    /// <summary>Whether a unit's final outcome was published in this process.</summary>
    public bool IsFinished(string unit)
    {
        lock (_finished)
        {
            return _finished.ContainsKey(unit);
        }
    }

    /// <summary>The outcome published for a unit, if any.</summary>
    public TargetOutcome? OutcomeOf(string unit)
    {
        lock (_finished)
        {
            return _finished.GetValueOrDefault(unit);
        }
    }

    /// <summary>Every outcome published, in the order they were.</summary>
    public IReadOnlyList<TargetOutcome> Outcomes
    {
        get
        {
            lock (_finished)
            {
                return [.. _order.Select(u => _finished[u])];
            }
        }
    }

    public string? Mask(string? text) => text is null || _secrets.Count == 0 ? text : SecretMasker.Apply(text, _secrets);

    /// <summary>Masks secrets in captured output (a spilled stream is masked into a new spill file).</summary>
    public CapturedOutput Mask(CapturedOutput output)
    {
        if (_secrets.Count == 0 || (output.TotalBytes == 0 && output.Text.Length == 0))
        {
            return output;
        }

        string? spill = null;
        if (output.SpillPath is { } path && File.Exists(path))
        {
            spill = path + ".masked";
            using FileStream from = File.OpenRead(path);
            using FileStream to = File.Create(spill);
            SecretMasker.CopyMasked(from, to, _secrets); // streamed and byte-exact: no whole-output copy in memory
        }

        return new CapturedOutput(SecretMasker.Apply(output.Text, _secrets), output.TotalBytes, spill);
    }
}
