using Fanout.Events;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Execution;

/// <summary>Results and the atomic rollback (SPEC X4, C2).</summary>
internal sealed partial class ExecutionRun
{
    private BatchResult[] BuildResults(IReadOnlyList<RollbackOutcome> rollbacks)
    {
        DateTimeOffset ended = Now();
        var results = new BatchResult[_steps.Length];
        for (int s = 0; s < _steps.Length; s++)
        {
            results[s] = new BatchResult
            {
                RunId = RunId,
                Operation = _steps[s].Name,
                StartedAt = _startedAt,
                EndedAt = ended,
                Outcomes = _outcomes[s]!,
                WaveCount = _waveEnds.Length,
                Cancelled = RunCancelled,
                StopReason = _stopReason,
                Rollbacks = rollbacks,
                Spill = _spill,
            };
        }

        return results;
    }

    private BatchResult Combine(BatchResult[] results) => results[0] with
    {
        Operation = _operationName,
        EndedAt = results[^1].EndedAt,
        Outcomes = [.. results.SelectMany(r => r.Outcomes)],
    };

    /// <summary>
    /// Rolls back exactly the targets that succeeded, at most MaxConcurrency at once, each within
    /// the per-target timeout. Rollback is not tied to the run's token: an atomic batch that was
    /// cancelled must still undo what it did.
    /// </summary>
    private async Task<IReadOnlyList<RollbackOutcome>> RollbackAsync(IOperation operation)
    {
        TargetOutcome?[] outcomes = _outcomes[0];
        int[] succeeded = [.. Enumerable.Range(0, outcomes.Length).Where(i => outcomes[i]!.State == TargetState.Succeeded)];
        var rollbacks = new RollbackOutcome[succeeded.Length];
        int next = -1;

        async Task WorkerAsync()
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < succeeded.Length)
            {
                rollbacks[k] = await RollbackOneAsync(operation, succeeded[k], outcomes[succeeded[k]]!.Wave).ConfigureAwait(false);
                Publish(new TargetRolledBack { RunId = RunId, Timestamp = Now(), Outcome = rollbacks[k] });
            }
        }

        int workers = Math.Min(Options.MaxConcurrency, succeeded.Length);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync))).ConfigureAwait(false);
        return rollbacks;
    }

    private async Task<RollbackOutcome> RollbackOneAsync(IOperation operation, int index, int wave)
    {
        Target target = _targets[index];
        if (!operation.SupportsRollback)
        {
            return new RollbackOutcome(target.Name, false, $"operation '{operation.Name}' has no rollback");
        }

        using CancellationTokenSource timeout = Options.Timeout == Timeout.InfiniteTimeSpan
            ? new CancellationTokenSource()
            : new CancellationTokenSource(Options.Timeout, Time);
        try
        {
            OperationResult result = await operation.RollbackAsync(target, new AttemptContext(this, index, target, 1, wave), timeout.Token).ConfigureAwait(false);
            return new RollbackOutcome(target.Name, result.Success, result.Success ? null : result.Error ?? "rollback failed");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new RollbackOutcome(target.Name, false, $"rollback timed out after {Format(Options.Timeout)}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new RollbackOutcome(target.Name, false, ex.Message);
        }
        finally
        {
            // Rolled-back targets close their session at once so rollback connections stay bounded too.
            await Sessions.ReleaseAsync(index).ConfigureAwait(false);
        }
    }
}
