using Fanout.Execution;

namespace Fanout.Runs;

/// <summary>Per-state target counts of a run, kept on the run record so history needs no aggregation.</summary>
/// <param name="Total">Targets selected.</param>
/// <param name="Succeeded">Targets that succeeded.</param>
/// <param name="Failed">Targets that failed.</param>
/// <param name="TimedOut">Targets that timed out.</param>
/// <param name="Cancelled">Targets cancelled while running.</param>
/// <param name="NotRun">Targets never started.</param>
/// <param name="Skipped">Targets skipped.</param>
public sealed record RunCounts(int Total, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped)
{
    /// <summary>No targets.</summary>
    public static RunCounts Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Counts the final states in <paramref name="states"/>; <paramref name="total"/> may exceed the states seen so far.</summary>
    public static RunCounts FromStates(int total, IEnumerable<TargetState> states)
    {
        int s = 0, f = 0, t = 0, c = 0, n = 0, k = 0, u = 0;
        foreach (TargetState state in states)
        {
            switch (state)
            {
                case TargetState.Succeeded: s++; break;
                case TargetState.Failed: f++; break;
                case TargetState.TimedOut: t++; break;
                case TargetState.Cancelled: c++; break;
                case TargetState.NotRun: n++; break;
                case TargetState.Skipped: k++; break;
                case TargetState.Unreachable: u++; break;
            }
        }

        return new RunCounts(total, s, f, t, c, n, k) { Unreachable = u };
    }

    /// <summary>Targets that never got a session (SPEC X9 addition: counted apart from <see cref="Failed"/>).</summary>
    public int Unreachable { get; init; }
}
