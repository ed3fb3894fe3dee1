using Fanout.Runs;

namespace Fanout.Workflows.Engine;

/// <summary>
/// What a resumed run takes over from its earlier runs (SPEC W17 resume, H3): the recorded state of every step
/// (steps that succeeded or were skipped are not run again; their captured outputs are restored), the units that
/// completed (fan-out targets included: not run again, as exec resume does), and which steps that were running at the
/// crash may not run again (not idempotent, not confirmed). Empty for a fresh run.
/// </summary>
internal sealed class ResumeState
{
    private readonly Dictionary<string, WorkflowStepRecord> _steps = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <summary>The latest completed attempt of every unit that completed in earlier runs.</summary>
    public IReadOnlyDictionary<string, TargetAttemptRecord> CompletedUnits { get; init; } = new Dictionary<string, TargetAttemptRecord>();

    /// <summary>
    /// Reads the recorded step states of <paramref name="runId"/>; asks <paramref name="confirmRerun"/> about each non-idempotent leaf that was running.
    /// With <paramref name="retry"/> a step that succeeded with targets that did not (within its <c>max_fail_percent</c>) is not taken
    /// over: it runs again on those targets only.
    /// </summary>
    public async Task LoadAsync(IWorkflowStore? store, string runId, IEnumerable<RuntimeStep> leaves, Func<string, CancellationToken, Task<bool>>? confirmRerun, bool retry, CancellationToken ct)
    {
        if (store is null)
        {
            return;
        }

        foreach (WorkflowStepRecord record in await store.GetStepsAsync(runId, ct).ConfigureAwait(false))
        {
            _steps[record.Path] = record;
        }

        // Steps that were running when the process died run again; a step not declared idempotent asks first.
        foreach (RuntimeStep leaf in leaves)
        {
            if (retry && Done(leaf.Path) is not null && leaf.Units.Any(u => !IsCompleted(u)))
            {
                _steps.Remove(leaf.Path);
                continue;
            }

            if (_steps.TryGetValue(leaf.Path, out WorkflowStepRecord? r) && r.State == StepState.Running.ToWireName() && !leaf.Step.Idempotent)
            {
                bool confirmed = confirmRerun is { } confirm && await confirm(leaf.Path, ct).ConfigureAwait(false);
                if (!confirmed)
                {
                    _refused.Add(leaf.Path);
                }
            }
        }
    }

    /// <summary>The record of a step that was done (succeeded or skipped) in an earlier run, or null.</summary>
    public WorkflowStepRecord? Done(string path) =>
        _steps.TryGetValue(path, out WorkflowStepRecord? record) && StepStateExtensions.ParseWireName(record.State).IsDone() ? record : null;

    /// <summary>Whether a step was running at the crash and may not run again.</summary>
    public bool IsRefused(string path) => _refused.Contains(path);

    /// <summary>Whether a unit completed in an earlier run.</summary>
    public bool IsCompleted(string unit) => CompletedUnits.ContainsKey(unit);
}
