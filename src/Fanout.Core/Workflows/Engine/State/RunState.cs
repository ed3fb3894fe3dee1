namespace Fanout.Workflows.Engine;

/// <summary>
/// What the parts of one workflow run share while it runs: the results of the steps in completion order, the degradations and
/// recoveries that fired, writes still in flight, whether the run stopped (fail-fast) and its first failure. Thread-safe: steps of a
/// parallel group complete concurrently.
/// </summary>
internal sealed class RunState
{
    private readonly List<StepResult> _results = [];
    private readonly List<string> _degradations = [];
    private readonly List<string> _recoveries = [];
    private readonly List<Task> _background = [];
    private volatile bool _stopped;
    private string? _failure;

    /// <summary>Whether nothing new may start anywhere in the run (fail-fast after a failure).</summary>
    public bool Stopped => _stopped;

    /// <summary>The first failure of the run, as reported, or <see langword="null"/>.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Stops the run: nothing new starts.</summary>
    public void Stop() => _stopped = true;

    /// <summary>Records <paramref name="failure"/> unless a failure was recorded first.</summary>
    public void Fail(string failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    /// <summary>Appends a step's result.</summary>
    public void Add(StepResult result)
    {
        lock (_results)
        {
            _results.Add(result);
        }
    }

    /// <summary>How many results there are now (a mark for <see cref="ResultsSince"/>).</summary>
    public int ResultCount
    {
        get
        {
            lock (_results)
            {
                return _results.Count;
            }
        }
    }

    /// <summary>The results in completion order.</summary>
    public IReadOnlyList<StepResult> Results => ResultsSince(0);

    /// <summary>The results added after the first <paramref name="mark"/>.</summary>
    public IReadOnlyList<StepResult> ResultsSince(int mark)
    {
        lock (_results)
        {
            return [.. _results.Skip(mark)];
        }
    }

    /// <summary>Reads step states consistently with the results being added.</summary>
    public T Read<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_results)
        {
            return read();
        }
    }

    /// <summary>Records a degradation (a breaker's fallback, an undefined recovery action).</summary>
    public void Degrade(string degradation)
    {
        lock (_degradations)
        {
            _degradations.Add(degradation);
        }
    }

    /// <summary>The degradations that fired.</summary>
    public IReadOnlyList<string> Degradations
    {
        get
        {
            lock (_degradations)
            {
                return [.. _degradations];
            }
        }
    }

    /// <summary>Records a recovery strategy that fired.</summary>
    public void Recovered(string recovery)
    {
        lock (_recoveries)
        {
            _recoveries.Add(recovery);
        }
    }

    /// <summary>The recovery strategies that fired.</summary>
    public IReadOnlyList<string> Recoveries
    {
        get
        {
            lock (_recoveries)
            {
                return [.. _recoveries];
            }
        }
    }

    /// <summary>Keeps a write started from a synchronous callback, awaited before the run finishes.</summary>
    public void InBackground(Task task)
    {
        lock (_background)
        {
            _background.Add(task);
        }
    }

    /// <summary>Waits for every write started with <see cref="InBackground"/>.</summary>
    public Task WhenBackgroundDoneAsync()
    {
        lock (_background)
        {
            return Task.WhenAll([.. _background]);
        }
    }
}
