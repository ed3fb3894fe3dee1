using Fanout.Events;
using Fanout.Inventory;
using Fanout.Operations;
using Microsoft.Extensions.Logging;

namespace Fanout.Execution;

/// <summary>
/// One run of one or more operations over a selection: waves, the concurrency slots, the failure
/// policy, cancellation with a grace period, and the outcome of every target (SPEC X2–X7).
/// Several operations (a chain) run wave by wave: every step runs on wave 1 before wave 2 starts,
/// so the sessions of a wave serve every step and are closed when the wave ends.
/// </summary>
internal sealed partial class ExecutionRun
{
    private readonly IOperation[] _steps;
    private readonly IReadOnlyList<Target> _targets;
    private readonly ProgressTracker? _tracker;
    private readonly bool _stopOnStepFailure;
    private readonly bool _failFast;
    private readonly bool _atomic;
    private readonly int[] _waveEnds;
    private readonly TargetOutcome?[][] _outcomes;
    private readonly TaskCompletionSource _forced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _startedAt;
    private readonly string _operationName;
    private CancellationTokenSource? _runCts;
    private ITimer? _overallTimer;
    private ITimer? _graceTimer;
    private WorkerSlot[] _slots = [];
    private volatile bool _stop;
    private volatile bool _cancelled;
    private volatile bool _overallTimedOut;
    private string? _stopReason;
    private int _next;
    private int _stepFailures;
    private Output.SpillDirectory? _spill;
    private object? _spillLock;

    public ExecutionRun(
        ExecutionOptions options,
        SessionCache sessions,
        TimeProvider time,
        ILogger logger,
        IOperation[] steps,
        string operationName,
        IReadOnlyList<Target> targets,
        ProgressTracker? tracker,
        string runId,
        bool stopOnStepFailure,
        bool atomic)
    {
        Options = options;
        Sessions = sessions;
        Time = time;
        Logger = logger;
        RunId = runId;
        _steps = steps;
        _operationName = operationName;
        _targets = targets;
        _tracker = tracker;
        _stopOnStepFailure = stopOnStepFailure;
        _atomic = atomic;
        _failFast = options.FailFast || atomic;
        _waveEnds = WavePlanner.Plan(options.BatchSizes, targets.Count);
        _outcomes = new TargetOutcome?[steps.Length][];
        for (int s = 0; s < steps.Length; s++)
        {
            _outcomes[s] = new TargetOutcome?[targets.Count];
        }

        OutputBudget = new Output.OutputBudget(options.OutputBudget);
        _startTimestamp = time.GetTimestamp();
        _startedAt = time.GetUtcNow();
    }

    public string RunId { get; }

    public ExecutionOptions Options { get; }

    public SessionCache Sessions { get; }

    public TimeProvider Time { get; }

    /// <summary>The run's memory budget for captured output (<see cref="ExecutionOptions.OutputBudget"/>).</summary>
    public Output.OutputBudget OutputBudget { get; }

    public ILogger Logger { get; }

    /// <summary>Where the run's events (and live output, <see cref="ProgressTracker.OnOutput"/>) go, or <see langword="null"/>.</summary>
    public ProgressTracker? Tracker => _tracker;

    /// <summary>
    /// Whether the run is being cancelled. Read from the token as well as the flag: cancellation
    /// callbacks run last-registered-first, so an operation's own token (registered later) wakes it
    /// — possibly on another thread — before <see cref="OnCancelled"/> has set the flag, and its
    /// outcome must still be classified as cancelled, not failed.
    /// </summary>
    private bool RunCancelled => _cancelled || (_runCts?.IsCancellationRequested ?? false);

    /// <summary>Whether scheduling has stopped (fail-fast, max-fail-percent, cancellation, overall timeout).</summary>
    private bool Stopping => _stop || RunCancelled;

    private string CancelReason => _overallTimedOut ? "overall timeout" : "cancelled";

    /// <summary>Runs every wave and returns one result per step.</summary>
    public async Task<BatchResult[]> RunAsync(CancellationToken cancellationToken)
    {
        using CancellationTokenSource runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _runCts = runCts;
        if (Options.OverallTimeout is { } overall)
        {
            _overallTimer = Time.CreateTimer(static s => ((ExecutionRun)s!).OnOverallTimeout(), this, overall, Timeout.InfiniteTimeSpan);
        }

        bool forced = false;
        using (runCts.Token.UnsafeRegister(static s => ((ExecutionRun)s!).OnCancelled(), this))
        {
            ExecutionLog.RunStarting(Logger, RunId, _operationName, _targets.Count, _waveEnds.Length, Options.MaxConcurrency);
            Publish(new RunStarted
            {
                RunId = RunId,
                Timestamp = Now(),
                Operation = _operationName,
                Total = _targets.Count * _steps.Length,
                WaveCount = _waveEnds.Length,
                MaxConcurrency = Options.MaxConcurrency,
            });

            int waveStart = 0;
            for (int w = 0; w < _waveEnds.Length && !Stopping && !forced; w++)
            {
                if (w > 0 && Options.BatchWait > TimeSpan.Zero && !await BatchWaitAsync(runCts.Token).ConfigureAwait(false))
                {
                    break;
                }

                forced = !await RunWaveAsync(w + 1, waveStart, _waveEnds[w]).ConfigureAwait(false);
                waveStart = _waveEnds[w];
            }

            FillNotRun(0, _targets.Count);
            _overallTimer?.Dispose();
        }

        BatchResult[] results = BuildResults([]);
        if (_atomic && !results[0].AllSucceeded)
        {
            IReadOnlyList<RollbackOutcome> rollbacks = await RollbackAsync(_steps[0]).ConfigureAwait(false);
            results[0] = results[0] with { Rollbacks = rollbacks, EndedAt = Now() };
        }

        await Sessions.ReleaseAllAsync(final: true).ConfigureAwait(false);
        _graceTimer?.Dispose();
        if (!forced)
        {
            // Abandoned operations may still touch their slots; only idle slots are disposed.
            foreach (WorkerSlot slot in _slots)
            {
                slot.Dispose();
            }
        }

        BatchResult final = results.Length == 1 ? results[0] : Combine(results);
        ExecutionLog.RunFinished(Logger, RunId, final.Count(TargetState.Succeeded), final.Total, _stopReason is null ? string.Empty : $" ({_stopReason})");
        Publish(new RunFinished { RunId = RunId, Timestamp = Now(), Result = final });
        return results;
    }

    private async Task<bool> BatchWaitAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(Options.BatchWait, Time, token).ConfigureAwait(false);
            return !Stopping;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The run was cancelled during the pause: the remaining waves are reported as not run.
            return false;
        }
    }

    /// <summary>Runs every step over one wave. Returns false when running targets had to be abandoned.</summary>
    private async Task<bool> RunWaveAsync(int wave, int start, int end)
    {
        Publish(new WaveStarted
        {
            RunId = RunId,
            Timestamp = Now(),
            Wave = wave,
            WaveCount = _waveEnds.Length,
            Targets = new TargetNameList(_targets, start, end),
        });

        bool completed = true;
        for (int s = 0; s < _steps.Length && !Stopping; s++)
        {
            _stepFailures = 0;
            if (!await RunStepAsync(s, wave, start, end).ConfigureAwait(false))
            {
                completed = false;
                break;
            }

            ApplyWavePolicies(s, wave, end - start);
        }

        FillNotRun(start, end);
        if (completed)
        {
            // X3: the sessions of a wave close when the wave ends, so open connections never exceed a wave.
            await Sessions.ReleaseAllAsync(final: false).ConfigureAwait(false);
        }

        Publish(new WaveFinished { RunId = RunId, Timestamp = Now(), Wave = wave, Failed = CountUnsuccessful(start, end) });
        return completed;
    }

    private void ApplyWavePolicies(int step, int wave, int waveSize)
    {
        int failures = Volatile.Read(ref _stepFailures);
        if (failures == 0 || RunCancelled)
        {
            return;
        }

        if (_stopOnStepFailure)
        {
            Stop($"step '{_steps[step].Name}' failed on {failures} target(s) in wave {wave}");
        }

        double percent = failures * 100.0 / waveSize;
        if (Options.MaxFailPercent is { } limit && percent > limit)
        {
            Stop(FormattableString.Invariant($"max-fail-percent exceeded: {percent:0.##}% of wave {wave} failed (limit {limit:0.##}%)"));
        }
    }

    /// <summary>Runs one step over the targets [start, end) with at most MaxConcurrency in flight.</summary>
    private async Task<bool> RunStepAsync(int step, int wave, int start, int end)
    {
        int workers = Math.Min(Options.MaxConcurrency, end - start);
        EnsureSlots(workers);
        _next = start;
        var tasks = new Task[workers];
        for (int k = 0; k < workers; k++)
        {
            WorkerSlot slot = _slots[k];
            tasks[k] = Task.Run(() => WorkerAsync(slot, step, wave, end));
        }

        Task all = Task.WhenAll(tasks);
        if (!all.IsCompleted && await Task.WhenAny(all, _forced.Task).ConfigureAwait(false) != all)
        {
            AbandonRunning(step);
            return false;
        }

        await all.ConfigureAwait(false);
        return true;
    }

    private async Task WorkerAsync(WorkerSlot slot, int step, int wave, int end)
    {
        while (!Stopping)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= end)
            {
                return;
            }

            slot.Current = index;
            ValueTask running = RunTargetAsync(slot, step, index, wave);
            if (running.IsCompletedSuccessfully)
            {
                running.GetAwaiter().GetResult(); // the synchronous fast path allocates nothing
            }
            else
            {
                await running.ConfigureAwait(false);
            }

            slot.Current = -1;
        }
    }

    private void EnsureSlots(int count)
    {
        if (_slots.Length >= count)
        {
            return;
        }

        WorkerSlot[] slots = new WorkerSlot[count];
        _slots.CopyTo(slots, 0);
        for (int k = _slots.Length; k < count; k++)
        {
            slots[k] = new WorkerSlot(Time, Options.Timeout, _runCts!.Token);
        }

        _slots = slots;
    }

    private void Stop(string reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, reason, null) is null)
        {
            ExecutionLog.Stopping(Logger, RunId, reason);
        }

        _stop = true;
    }

    private void OnOverallTimeout()
    {
        _overallTimedOut = true;
        try
        {
            _runCts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The timer fired as the run was ending; there is nothing left to cancel.
        }
    }

    private void OnCancelled()
    {
        _cancelled = true;
        Stop(CancelReason);
        if (Options.CancellationGracePeriod <= TimeSpan.Zero)
        {
            _forced.TrySetResult();
            return;
        }

        _graceTimer = Time.CreateTimer(static s => ((ExecutionRun)s!)._forced.TrySetResult(), this, Options.CancellationGracePeriod, Timeout.InfiniteTimeSpan);
    }

    private DateTimeOffset Now() => _startedAt + Time.GetElapsedTime(_startTimestamp);

    private DateTimeOffset TimeOf(long timestamp) => _startedAt + Time.GetElapsedTime(_startTimestamp, timestamp);

    private void Publish(RunEvent runEvent) => _tracker?.Publish(runEvent);
}
