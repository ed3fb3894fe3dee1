namespace Fanout.Core.Tests.Support;

/// <summary>Counts concurrent executions and remembers the peak.</summary>
public sealed class InFlight
{
    private int _current;
    private int _peak;

    public int Peak => Volatile.Read(ref _peak);

    public int Current => Volatile.Read(ref _current);

    public void Enter() => Raise(ref _peak, Interlocked.Increment(ref _current));

    public void Exit() => Interlocked.Decrement(ref _current);

    public static void Raise(ref int peak, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, seen) != seen)
        {
        }
    }
}
