using Fanout.Workflows.Model;

namespace Fanout.Workflows.Engine;

/// <summary>The circuit breakers of one run (SPEC W13): one <see cref="CircuitBreakerGate"/> per name, its state loaded from and kept in the store (shared across runs of the workflow).</summary>
internal sealed class BreakerBoard
{
    private readonly WorkflowDefinition _workflow;
    private readonly IWorkflowStore? _store;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, CircuitBreakerGate> _gates = new(StringComparer.Ordinal);

    public BreakerBoard(WorkflowDefinition workflow, IWorkflowStore? store, TimeProvider time)
    {
        _workflow = workflow;
        _store = store;
        _time = time;
    }

    /// <summary>The breaker <paramref name="name"/> with its current state, or null when the workflow declares none by that name.</summary>
    public async Task<CircuitBreakerGate?> GetAsync(string name, CancellationToken ct)
    {
        CircuitBreakerDefinition? definition = _workflow.CircuitBreakers.FirstOrDefault(b => b.Name == name);
        if (definition is null)
        {
            return null;
        }

        CircuitBreakerGate? gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(name, out gate))
            {
                gate = new CircuitBreakerGate(_workflow.Name, definition, _store, _time);
                _gates[name] = gate;
            }
        }

        await gate.LoadAsync(ct).ConfigureAwait(false);
        return gate;
    }
}
