namespace Fanout.Workflows.Engine;

/// <summary>
/// The run-wide budget of leaf steps (SPEC W8): at most <c>max_parallel</c> / <c>--parallel</c> running leaf steps,
/// and their cpu and memory requests within <c>resource_limits</c>. Thread-safe; waiters are woken on every release.
/// </summary>
internal sealed class ResourcePool
{
    private readonly Lock _gate = new();
    private readonly int? _maxSlots;
    private readonly double? _cpu;
    private readonly long? _memory;
    private int _slots;
    private double _cpuUsed;
    private long _memoryUsed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ResourcePool(int? maxSlots, double? cpu, long? memory)
    {
        _maxSlots = maxSlots;
        _cpu = cpu;
        _memory = memory;
    }

    /// <summary>The most leaf steps running at once, or null for no cap.</summary>
    public int? MaxParallel => _maxSlots;

    /// <summary>Completes at the next release.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _slots;
            }
        }
    }

    public bool TryAcquire(double cpu, long memory)
    {
        lock (_gate)
        {
            // A step that needs more than the whole budget can never fit (validation rejects it); never deadlock on it.
            bool cpuFits = _cpu is not { } c || cpu <= 0 || _cpuUsed + cpu <= c + 1e-9 || (_cpuUsed == 0 && cpu > c);
            bool memoryFits = _memory is not { } m || memory <= 0 || _memoryUsed + memory <= m || (_memoryUsed == 0 && memory > m);
            if ((_maxSlots is { } max && _slots >= max) || !cpuFits || !memoryFits)
            {
                return false;
            }

            _slots++;
            _cpuUsed += cpu;
            _memoryUsed += memory;
            return true;
        }
    }

    public void Release(double cpu, long memory)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _slots--;
            _cpuUsed = Math.Max(0, _cpuUsed - cpu);
            _memoryUsed = Math.Max(0, _memoryUsed - memory);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
