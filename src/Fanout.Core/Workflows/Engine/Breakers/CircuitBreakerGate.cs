using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Fanout's circuit breaker (SPEC W13): closed → open after <c>failure_threshold</c> consecutive failures →
/// half-open (one trial) once <c>recovery_timeout</c> has passed → closed on success, open again on failure.
/// State is loaded from and saved to the store per workflow and breaker, so it carries across runs.
/// </summary>
internal sealed class CircuitBreakerGate
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half-open";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _workflow;
    private readonly IWorkflowStore? _store;
    private readonly TimeProvider _time;
    private bool _loaded;
    private bool _trialRunning;
    private CircuitBreakerRecord _state;

    public CircuitBreakerGate(string workflow, CircuitBreakerDefinition definition, IWorkflowStore? store, TimeProvider time)
    {
        _workflow = workflow;
        Definition = definition;
        _store = store;
        _time = time;
        _state = new CircuitBreakerRecord { Workflow = workflow, Name = definition.Name, State = Closed, UpdatedAt = time.GetUtcNow() };
    }

    public CircuitBreakerDefinition Definition { get; }

    public string Name => Definition.Name;

    public string State => _state.State;

    /// <summary>Consecutive failures counted.</summary>
    public int Failures => _state.ConsecutiveFailures;

    public async Task LoadAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_loaded && _store is not null && await _store.GetBreakerAsync(_workflow, Name, ct).ConfigureAwait(false) is { } stored)
            {
                _state = stored;
            }

            _loaded = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True when the protected step may run (closed, or the single half-open trial).</summary>
    public async Task<bool> TryEnterAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            switch (_state.State)
            {
                case Closed:
                    return true;
                case Open when _state.OpenedAt is { } opened && _time.GetUtcNow() - opened >= Definition.RecoveryTimeout:
                    _trialRunning = true;
                    await SaveAsync(_state with { State = HalfOpen }, ct).ConfigureAwait(false);
                    return true;
                case HalfOpen when !_trialRunning:
                    // A half-open state left by a run that died mid-trial: this step is the trial.
                    _trialRunning = true;
                    return true;
                default:
                    return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records the outcome of a step behind the breaker.</summary>
    /// <returns>True when this failure opened the breaker (it was not open before).</returns>
    public async Task<bool> RecordAsync(bool success, CancellationToken ct)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _trialRunning = false;
            DateTimeOffset now = _time.GetUtcNow();
            CircuitBreakerRecord next;
            if (success)
            {
                next = _state with { State = Closed, ConsecutiveFailures = 0 };
            }
            else
            {
                int failures = _state.ConsecutiveFailures + 1;
                bool open = _state.State == HalfOpen || failures >= Definition.FailureThreshold;
                next = _state with { State = open ? Open : _state.State == Open ? Open : Closed, ConsecutiveFailures = failures, OpenedAt = open ? now : _state.OpenedAt };
            }

            bool opened = next.State == Open && _state.State != Open;
            await SaveAsync(next, CancellationToken.None).ConfigureAwait(false);
            _ = ct;
            return opened;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SaveAsync(CircuitBreakerRecord next, CancellationToken ct)
    {
        _state = next with { UpdatedAt = _time.GetUtcNow() };
        if (_store is not null)
        {
            await _store.SaveBreakerAsync(_state, ct).ConfigureAwait(false);
        }
    }
}
