using Fanout.Events;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;

namespace Fanout.Execution;

/// <summary>One target: validation, attempts, the timeout, retries and the final outcome.</summary>
internal sealed partial class ExecutionRun
{
    private ValueTask RunTargetAsync(WorkerSlot slot, int step, int index, int wave)
    {
        ValueTask running = RunTargetCoreAsync(slot, step, index, wave);
        if (step < _steps.Length - 1 || _atomic)
        {
            // A chain keeps the session for its next step (closed at wave end); an atomic run keeps
            // it for a possible rollback.
            return running;
        }

        // The target is done with the run: close its session at once, inside its slot, so open
        // sessions never exceed the concurrency limit (X2) — let alone the wave (X3).
        return running.IsCompletedSuccessfully ? Sessions.ReleaseAsync(index) : ReleaseAfterAsync(running, index);
    }

    private async ValueTask ReleaseAfterAsync(ValueTask running, int index)
    {
        try
        {
            await running.ConfigureAwait(false);
        }
        finally
        {
            await Sessions.ReleaseAsync(index).ConfigureAwait(false);
        }
    }

    private async ValueTask RunTargetCoreAsync(WorkerSlot slot, int step, int index, int wave)
    {
        Target target = _targets[index];
        IOperation operation = _steps[step];
        string? invalid;
        try
        {
            invalid = operation.Validate(target);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            invalid = ex.Message;
        }

        if (invalid is not null)
        {
            Finish(step, index, new TargetOutcome { Target = target.Name, TargetDefinition = target, State = TargetState.Failed, Wave = wave, Error = "validation failed: " + invalid });
            return;
        }

        long firstStart = 0;
        for (int attempt = 1; ; attempt++)
        {
            long start = Time.GetTimestamp();
            if (attempt == 1)
            {
                firstStart = start;
                slot.FirstStart = start;
            }

            slot.Attempt = attempt;
            if (_tracker is not null)
            {
                Publish(new TargetStarted { RunId = RunId, Timestamp = TimeOf(start), Target = target.Name, Wave = wave, Attempt = attempt });
            }

            var context = new AttemptContext(this, index, target, attempt, wave);
            Attempt result = await RunAttemptAsync(slot, operation, target, context).ConfigureAwait(false);
            bool last = result.State is TargetState.Succeeded or TargetState.Skipped or TargetState.Cancelled
                || !result.Retryable || attempt > Options.Retries || RunCancelled;
            if (last)
            {
                Finish(step, index, result.ToOutcome(target, attempt, wave, TimeOf(firstStart), Time.GetElapsedTime(firstStart)));
                return;
            }

            ExecutionLog.AttemptFailed(Logger, target.Name, attempt, result.State.ToWireName(), result.Error);
            TimeSpan delay = RetryDelay.Compute(Options.RetryDelay, Options.Backoff, attempt, Options.MaxRetryDelay, Options.Jitter, Random.Shared);
            Publish(new TargetRetrying { RunId = RunId, Timestamp = Now(), Target = target.Name, Attempt = attempt, Delay = delay, Error = result.Error, ExitCode = result.ExitCode });
            if (result.LostSession)
            {
                // The connection failed: the retry opens a fresh session instead of reusing a dead one.
                await Sessions.InvalidateAsync(index).ConfigureAwait(false);
            }

            if (delay > TimeSpan.Zero && !await RetryWaitAsync(delay).ConfigureAwait(false))
            {
                Attempt cancelled = result with { State = TargetState.Cancelled, Error = $"{CancelReason} while waiting to retry (last error: {result.Error})" };
                Finish(step, index, cancelled.ToOutcome(target, attempt, wave, TimeOf(firstStart), Time.GetElapsedTime(firstStart)));
                return;
            }
        }
    }

    private async ValueTask<bool> RetryWaitAsync(TimeSpan delay)
    {
        CancellationToken token = _runCts!.Token;
        try
        {
            await Task.Delay(delay, Time, token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Cancellation is never retried: the target ends as cancelled (reported, not thrown).
            return false;
        }
    }

    private async ValueTask<Attempt> RunAttemptAsync(WorkerSlot slot, IOperation operation, Target target, AttemptContext context)
    {
        CancellationToken token = slot.BeginAttempt();
        OperationResult? result = null;
        Exception? error = null;
        bool timedOut;
        try
        {
            Task<OperationResult> running = operation.ExecuteAsync(target, context, token);
            result = running.IsCompletedSuccessfully ? running.Result : await running.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Exceptions are turned into outcomes here, in one place; a cancellation of the
            // attempt's own token is classified below as timed out or cancelled, never retried.
            error = ex;
        }
        finally
        {
            timedOut = slot.EndAttempt();
        }

        Attempt attempt = Classify(result, error, timedOut, token, context.SessionFailure);
        if (result is null)
        {
            // No result (timed out, cancelled, connection lost): keep what the target printed until then.
            (CapturedOutput stdout, CapturedOutput stderr) = context.CompleteCaptures();
            attempt = attempt with { PartialStdout = stdout, PartialStderr = stderr };
        }

        return attempt;
    }

    private Attempt Classify(OperationResult? result, Exception? error, bool timedOut, CancellationToken token, Exception? sessionFailure)
    {
        if (result is { Success: true })
        {
            return new Attempt(result.Skipped ? TargetState.Skipped : TargetState.Succeeded, result, result.Error, false);
        }

        if (sessionFailure is not null && !timedOut && !RunCancelled)
        {
            // Never got a session (refused, DNS, connect deadline, authentication, host key): unreachable, not a
            // command failure, so `retry --unreachable` can aim at these alone. Transient by definition (X6).
            return new Attempt(TargetState.Unreachable, result, (error ?? sessionFailure).Message, sessionFailure is not Transports.Ssh.HostKeyException, true);
        }

        bool ownCancellation = error is OperationCanceledException && token.IsCancellationRequested;
        if (timedOut && (ownCancellation || result is not null))
        {
            return new Attempt(TargetState.TimedOut, result, $"timed out after {Format(Options.Timeout)}", true);
        }

        if (RunCancelled && (ownCancellation || result is not null))
        {
            return new Attempt(TargetState.Cancelled, result, CancelReason, false);
        }

        if (result is not null)
        {
            bool retryable = Options.RetryOnExitCodes.Count == 0 || (result.ExitCode is { } code && Options.RetryOnExitCodes.Contains(code));
            return new Attempt(TargetState.Failed, result, result.Error ?? (result.ExitCode is { } exit ? $"exit code {exit}" : "failed"), retryable);
        }

        // A connection error is transient by definition (X6); other exceptions follow the exit-code rule.
        bool lost = error is TransportException;
        return new Attempt(TargetState.Failed, null, error!.Message, lost || Options.RetryOnExitCodes.Count == 0, lost);
    }

    private bool Finish(int step, int index, TargetOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcomes[step][index], outcome, null) is not null)
        {
            return false; // already decided (a target abandoned after the grace period finishing late)
        }

        if (outcome.State is TargetState.Failed or TargetState.TimedOut or TargetState.Cancelled or TargetState.Unreachable)
        {
            Interlocked.Increment(ref _stepFailures);
            if (_failFast && !RunCancelled)
            {
                Stop($"fail-fast: {outcome.Target} {outcome.State.ToWireName()}");
            }
        }

        if (_tracker is not null)
        {
            Publish(new TargetFinished { RunId = RunId, Timestamp = Now(), Outcome = outcome });
        }

        return true;
    }

    /// <summary>Marks the targets still running after the grace period as cancelled and stops waiting for them.</summary>
    private void AbandonRunning(int step)
    {
        int abandoned = 0;
        foreach (WorkerSlot slot in _slots)
        {
            int index = slot.Current;
            if (index < 0)
            {
                continue;
            }

            var outcome = new TargetOutcome
            {
                Target = _targets[index].Name,
                TargetDefinition = _targets[index],
                State = TargetState.Cancelled,
                Attempts = slot.Attempt,
                Wave = WaveOf(index),
                StartedAt = TimeOf(slot.FirstStart),
                Duration = Time.GetElapsedTime(slot.FirstStart),
                Error = $"{CancelReason}: did not stop within the grace period of {Format(Options.CancellationGracePeriod)}",
            };
            if (Finish(step, index, outcome))
            {
                abandoned++;
            }
        }

        if (abandoned > 0)
        {
            ExecutionLog.Abandoned(Logger, RunId, abandoned);
        }
    }

    private void FillNotRun(int start, int end)
    {
        for (int s = 0; s < _steps.Length; s++)
        {
            TargetOutcome?[] outcomes = _outcomes[s];
            for (int i = start; i < end; i++)
            {
                if (Volatile.Read(ref outcomes[i]) is null)
                {
                    string reason = _stopReason ?? (RunCancelled ? CancelReason : "stopped");
                    Finish(s, i, new TargetOutcome { Target = _targets[i].Name, TargetDefinition = _targets[i], State = TargetState.NotRun, Wave = WaveOf(i), Error = "not run: " + reason });
                }
            }
        }
    }

    private int CountUnsuccessful(int start, int end)
    {
        int count = 0;
        foreach (TargetOutcome?[] outcomes in _outcomes)
        {
            for (int i = start; i < end; i++)
            {
                if (outcomes[i]?.State is not (TargetState.Succeeded or TargetState.Skipped))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private int WaveOf(int index)
    {
        int wave = Array.BinarySearch(_waveEnds, index);
        return (wave >= 0 ? wave + 1 : ~wave) + 1;
    }

    /// <summary>The path of a spill file (SPEC X12) in the run's spill directory, which is created (and locked) on first use.</summary>
    internal string SpillPath(string target, int attempt, string stream)
    {
        Output.SpillDirectory directory = LazyInitializer.EnsureInitialized(ref _spill, ref _spillLock,
            () => Output.SpillDirectory.Create(Options.SpillDirectory ?? Output.SpillDirectory.DefaultRoot, RunId));
        return directory.PathFor($"{OutputFileName.Escape(target)}.{attempt}.{OutputFileName.Escape(stream)}.log");
    }

    private static string Format(TimeSpan span) => span.TotalSeconds >= 1 && span.Milliseconds == 0
        ? FormattableString.Invariant($"{span.TotalSeconds:0}s")
        : FormattableString.Invariant($"{span.TotalMilliseconds:0}ms");
}
