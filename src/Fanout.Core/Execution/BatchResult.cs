using System.Text;

namespace Fanout.Execution;

/// <summary>The result of running an operation over a set of targets (SPEC C2, X9).</summary>
public sealed record BatchResult
{
    private IReadOnlyList<TargetOutcome> _outcomes = [];
    private Partition _partition = new();

    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The operation name.</summary>
    public required string Operation { get; init; }

    /// <summary>When the batch started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the batch ended.</summary>
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>One outcome per target, in selection order.</summary>
    public required IReadOnlyList<TargetOutcome> Outcomes
    {
        get => _outcomes;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _outcomes = value;
            _partition = new Partition();
        }
    }

    /// <summary>How many waves the selection was split into.</summary>
    public int WaveCount { get; init; } = 1;

    /// <summary>Whether the batch was cancelled (Ctrl-C, API cancel, overall timeout).</summary>
    public bool Cancelled { get; init; }

    /// <summary>Why scheduling stopped early (fail-fast, max-fail-percent, overall timeout, cancellation), or <see langword="null"/>.</summary>
    public string? StopReason { get; init; }

    /// <summary>The run's spill directory (the exact bytes of outputs longer than their in-memory window), or <see langword="null"/> when nothing spilled.</summary>
    internal Output.SpillDirectory? Spill { get; init; }

    /// <summary>
    /// Deletes the run's spill files once every reader is done with them (the CLI after writing the results, the server after
    /// recording them): outputs then show their in-memory window only. Without this call they go when the process exits.
    /// </summary>
    internal void DeleteSpillFiles() => Spill?.Dispose();

    /// <summary>Rollbacks performed after an atomic batch failed; empty otherwise.</summary>
    public IReadOnlyList<RollbackOutcome> Rollbacks { get; init; } = [];

    /// <summary>Outcomes that succeeded, in selection order. Computed once, on first use.</summary>
    public IReadOnlyList<TargetOutcome> Successes => _partition.Get(_outcomes).Successes;

    /// <summary>Outcomes that did not succeed and were not deliberately skipped, in selection order. Computed once, on first use.</summary>
    public IReadOnlyList<TargetOutcome> Failures => _partition.Get(_outcomes).Failures;

    /// <summary>
    /// The targets of <see cref="Failures"/> (from <see cref="TargetOutcome.TargetDefinition"/>), ready to run
    /// again: <c>await executor.ExecuteAsync(op, result.FailedTargets)</c>. Outcomes rebuilt from a store,
    /// which carry no target, are left out.
    /// </summary>
    public IReadOnlyList<Inventory.Target> FailedTargets => _partition.Get(_outcomes).FailedTargets;

    /// <summary>The number of targets.</summary>
    public int Total => Outcomes.Count;

    /// <summary>Succeeded targets divided by the total (1.0 when there were none).</summary>
    public double SuccessRate => Total == 0 ? 1.0 : (double)Successes.Count / Total;

    /// <summary>Whether every target succeeded (or was skipped).</summary>
    public bool AllSucceeded => Failures.Count == 0;

    /// <summary>Whether some rollback failed ("rollback partially failed").</summary>
    public bool RollbackPartiallyFailed => Rollbacks.Any(r => !r.Succeeded);

    /// <summary>Counts outcomes in <paramref name="state"/>.</summary>
    public int Count(TargetState state) => Outcomes.Count(o => o.State == state);

    /// <summary>One error describing every failure, or <see langword="null"/> when all succeeded.</summary>
    public string? CombinedError
    {
        get
        {
            if (AllSucceeded && !RollbackPartiallyFailed)
            {
                return null;
            }

            var text = new StringBuilder();
            int failures = Failures.Count;
            text.Append(failures).Append(" of ").Append(Total).Append(" targets did not succeed");
            if (StopReason is not null)
            {
                text.Append(" (").Append(StopReason).Append(')');
            }

            foreach (TargetOutcome o in Failures)
            {
                text.Append("\n  ").Append(o.Target).Append(": ").Append(o.State.ToWireName());
                if (o.Error is not null)
                {
                    text.Append(" — ").Append(o.Error);
                }
            }

            if (RollbackPartiallyFailed)
            {
                text.Append("\nrollback partially failed:");
                foreach (RollbackOutcome r in Rollbacks.Where(r => !r.Succeeded))
                {
                    text.Append("\n  ").Append(r.Target).Append(": ").Append(r.Error);
                }
            }

            return text.ToString();
        }
    }

    /// <summary>
    /// Successes and failures, split once per <see cref="Outcomes"/> list (thread-safe; a race only
    /// computes the same lists twice). Excluded from record equality: it is derived data.
    /// </summary>
    private sealed class Partition
    {
        private Lists? _lists;

        public Lists Get(IReadOnlyList<TargetOutcome> outcomes)
        {
            Lists? lists = Volatile.Read(ref _lists);
            if (lists is null || !ReferenceEquals(lists.Source, outcomes))
            {
                lists = Split(outcomes);
                Volatile.Write(ref _lists, lists);
            }

            return lists;
        }

        public override bool Equals(object? obj) => obj is Partition;

        public override int GetHashCode() => 0;

        private static Lists Split(IReadOnlyList<TargetOutcome> outcomes)
        {
            var successes = new List<TargetOutcome>();
            var failures = new List<TargetOutcome>();
            var failedTargets = new List<Inventory.Target>();
            foreach (TargetOutcome o in outcomes)
            {
                if (o.State == TargetState.Succeeded)
                {
                    successes.Add(o);
                }
                else if (o.State != TargetState.Skipped)
                {
                    failures.Add(o);
                    if (o.TargetDefinition is { } target)
                    {
                        failedTargets.Add(target);
                    }
                }
            }

            return new Lists(outcomes, successes, failures, failedTargets);
        }
    }

    private sealed record Lists(IReadOnlyList<TargetOutcome> Source, IReadOnlyList<TargetOutcome> Successes, IReadOnlyList<TargetOutcome> Failures, IReadOnlyList<Inventory.Target> FailedTargets);
}
