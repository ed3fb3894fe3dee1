namespace Fanout.Documents;

/// <summary>
/// Per-state target counts as every document spells them (X9 states plus <c>running</c> and <c>queued</c>). Every state
/// counted lands in exactly one field, so the fields always add up to <see cref="Total"/>: a state this version does not
/// know is an error, not a silent drop.
/// </summary>
internal readonly record struct StateCounts(int Queued, int Running, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped, int Unreachable = 0)
{
    /// <summary>The states in document order.</summary>
    public static readonly IReadOnlyList<string> States = ["queued", "running", "succeeded", "failed", "timed-out", "cancelled", "not-run", "skipped", "unreachable"];

    public int Total => Queued + Running + Succeeded + Failed + TimedOut + Cancelled + NotRun + Skipped + Unreachable;

    /// <summary>Targets that ended (not queued or running).</summary>
    public int Finished => Total - Queued - Running;

    /// <summary>Counts states spelled as in <see cref="States"/>.</summary>
    /// <exception cref="ArgumentException">A state is not one of <see cref="States"/>.</exception>
    public static StateCounts Of(IEnumerable<string> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        int q = 0, r = 0, s = 0, f = 0, t = 0, c = 0, n = 0, k = 0, u = 0;
        foreach (string state in states)
        {
            switch (state)
            {
                case "queued": q++; break;
                case "running": r++; break;
                case "succeeded": s++; break;
                case "failed": f++; break;
                case "timed-out": t++; break;
                case "cancelled": c++; break;
                case "not-run": n++; break;
                case "skipped": k++; break;
                case "unreachable": u++; break;
                default: throw new ArgumentException($"'{state}' is not a target state", nameof(states));
            }
        }

        return new StateCounts(q, r, s, f, t, c, n, k, u);
    }
}
