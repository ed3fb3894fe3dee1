namespace Fanout.Output;

/// <summary>
/// The global in-memory budget for captured output of a run (SPEC X12): every capture reserves
/// the bytes of its head/tail window here before keeping them in memory. When the budget is spent,
/// captures keep less (down to nothing) in memory and stream the exact bytes to their spill file,
/// so memory stays bounded however many targets print however much. Thread-safe.
/// </summary>
public sealed class OutputBudget
{
    /// <summary>The default budget for a run: 128 MiB.</summary>
    public const long DefaultBytes = 128L * 1024 * 1024;

    private long _used;
    private long _peak;

    /// <summary>Creates a budget of <paramref name="bytes"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is negative.</exception>
    public OutputBudget(long bytes = DefaultBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Limit = bytes;
    }

    /// <summary>A budget without a limit (library callers that hold outputs themselves).</summary>
    public static OutputBudget Unlimited { get; } = new(long.MaxValue);

    /// <summary>The bytes that may be held in memory at once.</summary>
    public long Limit { get; }

    /// <summary>The bytes held now.</summary>
    public long Used => Volatile.Read(ref _used);

    /// <summary>The most bytes held at once so far.</summary>
    public long Peak => Volatile.Read(ref _peak);

    /// <summary>Reserves up to <paramref name="wanted"/> bytes; returns how many were granted (0 when the budget is spent).</summary>
    internal int Reserve(int wanted)
    {
        if (wanted <= 0)
        {
            return 0;
        }

        while (true)
        {
            long used = Volatile.Read(ref _used);
            long granted = Math.Min(wanted, Limit - used);
            if (granted <= 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _used, used + granted, used) == used)
            {
                long now = used + granted;
                long peak;
                while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
                {
                }

                return (int)granted;
            }
        }
    }

    /// <summary>Gives <paramref name="bytes"/> back.</summary>
    internal void Release(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _used, -bytes);
        }
    }
}
