using Fanout.Execution;
using Fanout.Runs;
using Fanout.Workflows.Parameters;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Records a workflow run (SPEC H1): the run row (kind <c>workflow</c>), one "target" row per leaf step so
/// <c>history</c>/<c>show</c>/<c>logs --target STEP</c> work as for exec runs, attempts with their output, step
/// states (<see cref="IWorkflowStore"/>) and events; renews the run's lease. Every text is masked before it is written.
/// </summary>
internal sealed class WorkflowRecorder : IAsyncDisposable
{
    private const int StoredCap = 64 * 1024;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly IRunStore _store;
    private readonly IWorkflowStore? _steps;
    private readonly TimeProvider _time;
    private readonly IReadOnlyCollection<string> _secrets;
    private readonly TimeSpan _leaseRenew;
    private readonly Dictionary<string, TargetState> _finals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attemptOffsets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _lease = Task.CompletedTask;
    private long _sequence;
    private int _total;

    public WorkflowRecorder(IRunStore store, string runId, IReadOnlyCollection<string> secrets, TimeProvider time, TimeSpan leaseRenew)
    {
        _store = store;
        _steps = store as IWorkflowStore;
        RunId = runId;
        _secrets = secrets;
        _time = time;
        _leaseRenew = leaseRenew;
    }

    public string RunId { get; }

    private static TimeSpan LeaseDuration => TimeSpan.FromSeconds(30);

    public async Task StartAsync(RunRecord run, IReadOnlyList<string> leaves, CancellationToken ct)
    {
        _total = leaves.Count;
        await _store.CreateRunAsync(run with { Counts = RunCounts.Empty with { Total = leaves.Count }, LeaseExpiresAt = _time.GetUtcNow() + LeaseDuration },
            [.. leaves.Select(l => new RunTargetRecord(l, 1))], ct).ConfigureAwait(false);
        _lease = Task.Run(LeaseLoopAsync, CancellationToken.None);
    }

    public async Task<bool> ReopenAsync(IReadOnlyList<string> leaves, CancellationToken ct)
    {
        _total = leaves.Count;
        if (!await _store.ReopenRunAsync(RunId, Environment.MachineName, Environment.ProcessId, _time.GetUtcNow() + LeaseDuration, ct).ConfigureAwait(false))
        {
            return false;
        }

        _sequence = await _store.GetLastSequenceAsync(RunId, ct).ConfigureAwait(false);
        foreach (TargetAttemptRecord a in await _store.GetAttemptsAsync(RunId, null, ct).ConfigureAwait(false))
        {
            _attemptOffsets[a.Target] = Math.Max(_attemptOffsets.GetValueOrDefault(a.Target), a.Attempt);
            if (a.State is not AttemptState.Running)
            {
                _finals[a.Target] = Map(a.State);
            }
        }

        _lease = Task.Run(LeaseLoopAsync, CancellationToken.None);
        return true;
    }

    public Task SaveStepAsync(WorkflowStepRecord step, CancellationToken ct)
    {
        WorkflowStepRecord masked = step with
        {
            Output = Mask(step.Output),
            Capture = Mask(step.Capture),
            SkipReason = Mask(step.SkipReason),
            Error = Mask(step.Error),
        };
        return WriteAsync(async () =>
        {
            if (_steps is not null)
            {
                await _steps.SaveStepAsync(masked, ct).ConfigureAwait(false);
            }

            await _store.WriteAsync(new RunWriteBatch { RunId = RunId, Events = [Event("StepStateChanged", new { masked.Path, masked.State, masked.SkipReason, masked.Error, masked.Attempts })] }, ct).ConfigureAwait(false);
        });
    }

    public Task StartAttemptAsync(string path, int attempt, CancellationToken ct) => WriteAsync(() => _store.WriteAsync(new RunWriteBatch
    {
        RunId = RunId,
        Attempts = [new TargetAttemptRecord { RunId = RunId, Target = path, Attempt = attempt + Offset(path), State = AttemptState.Running, Wave = 1, StartedAt = _time.GetUtcNow() }],
    }, ct));

    public Task FinishAttemptAsync(string path, int attempt, StepExecution execution, CancellationToken ct)
    {
        string stdout = execution.Outcomes.Count > 1 || (execution.Outcomes.Count == 1 && execution.Outcomes[0].Target != TransportStepExecutor.LocalTarget.Name)
            ? string.Join("\n", execution.Outcomes.Select(o => $"[{o.Target}] {o.State.ToWireName()}: {o.Stdout.Text.TrimEnd()}"))
            : execution.Stdout;
        var record = new TargetAttemptRecord
        {
            RunId = RunId,
            Target = path,
            Attempt = attempt + Offset(path),
            State = execution.State switch
            {
                StepState.Succeeded => AttemptState.Succeeded,
                StepState.TimedOut => AttemptState.TimedOut,
                StepState.Cancelled => AttemptState.Cancelled,
                _ => AttemptState.Failed,
            },
            ExitCode = execution.ExitCode,
            Wave = 1,
            EndedAt = _time.GetUtcNow(),
            Stdout = Cap(Mask(stdout)),
            Stderr = Cap(Mask(execution.Stderr)),
            Error = Mask(execution.Error),
        };
        return WriteAsync(() => _store.WriteAsync(new RunWriteBatch { RunId = RunId, Attempts = [record] }, ct));
    }

    public Task FinishLeafAsync(string path, StepState state, StepResult result, CancellationToken ct)
    {
        RunCounts counts;
        lock (_finals)
        {
            _finals[path] = state switch
            {
                StepState.Succeeded => TargetState.Succeeded,
                StepState.Skipped => TargetState.Skipped,
                StepState.TimedOut => TargetState.TimedOut,
                StepState.Cancelled => TargetState.Cancelled,
                StepState.NotRun => TargetState.NotRun,
                _ => TargetState.Failed,
            };
            counts = RunCounts.FromStates(_total, _finals.Values);
        }

        var batch = new RunWriteBatch { RunId = RunId, Counts = counts };
        if (result.Attempts == 0)
        {
            // Never ran (skipped, short-circuited, not run): one attempt row keeps `show`/`export` complete.
            batch = batch with
            {
                Attempts = [new TargetAttemptRecord
                {
                    RunId = RunId,
                    Target = path,
                    Attempt = Offset(path),
                    State = _finals[path].ToAttemptState(),
                    Wave = 1,
                    EndedAt = _time.GetUtcNow(),
                    Error = Mask(result.SkipReason ?? result.Error),
                }],
            };
        }

        return WriteAsync(() => _store.WriteAsync(batch, ct));
    }

    public async Task FinishAsync(RunStatus status, DateTimeOffset endedAt, string? error, CancellationToken ct)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _lease.ConfigureAwait(false);
        RunCounts counts;
        lock (_finals)
        {
            counts = RunCounts.FromStates(_total, _finals.Values);
        }

        await WriteAsync(() => _store.FinishRunAsync(RunId, status, endedAt, counts, Mask(error), ct)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _lease.ConfigureAwait(false);
        _stop.Dispose();
        _write.Dispose();
    }

    private int Offset(string path)
    {
        lock (_finals)
        {
            return _attemptOffsets.GetValueOrDefault(path);
        }
    }

    private RunEventRecord Event(string type, object payload) =>
        new(RunId, Interlocked.Increment(ref _sequence), type, _time.GetUtcNow(), RunEventPayload.Write(payload));

    private async Task WriteAsync(Func<Task> write)
    {
        await _write.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await write().ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task LeaseLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_leaseRenew, _time, _stop.Token).ConfigureAwait(false);
                await _store.RenewLeaseAsync(RunId, _time.GetUtcNow() + LeaseDuration, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Recording ended; FinishRunAsync releases the lease.
        }
    }

    private string? Mask(string? text) => text is null || _secrets.Count == 0 ? text : SecretMasker.Apply(text, _secrets);

    private static string? Cap(string? text) => text is null || text.Length <= StoredCap ? text : text[..StoredCap];

    private static TargetState Map(AttemptState state) => state switch
    {
        AttemptState.Succeeded => TargetState.Succeeded,
        AttemptState.Skipped => TargetState.Skipped,
        AttemptState.TimedOut => TargetState.TimedOut,
        AttemptState.Cancelled => TargetState.Cancelled,
        AttemptState.NotRun => TargetState.NotRun,
        _ => TargetState.Failed,
    };
}
