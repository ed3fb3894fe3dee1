using System.Globalization;

namespace Fanout.Workflows.Engine;

/// <summary>What a step state counts as: the one classification behind every step count and mark (issue 14).</summary>
public enum StepClass
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Running now.</summary>
    Running,

    /// <summary>Waiting for an approval.</summary>
    AwaitingApproval,

    /// <summary>Succeeded.</summary>
    Succeeded,

    /// <summary>A failure proper: failed, timed out, or short-circuited by an open breaker.</summary>
    Failed,

    /// <summary>Was running when the run was stopped (Ctrl-C, <c>fanout cancel</c>, the overall timeout).</summary>
    Cancelled,

    /// <summary>Skipped by its <c>when</c> or a failed dependency (a reason is recorded).</summary>
    Skipped,

    /// <summary>Never started because the run stopped first (fail-fast, Ctrl-C, the overall timeout).</summary>
    NotRun,
}

/// <summary>
/// The one definition of a workflow run's step counts (issue 14), used by the live step tree, the final line of
/// <c>fanout run</c>, the figures (<c>--output json</c>, alerts, metrics, notifications) and the recorded units that
/// <c>fanout history</c> counts:
/// <list type="bullet">
/// <item>the counted steps are the <b>leaf steps of the main tree</b> — a group is not a step, hooks, rollback and
/// recovery steps are not counted;</item>
/// <item>each is counted once, by the class of its state (<see cref="Classify"/>): <c>failed</c> holds failed, timed-out and
/// short-circuited steps (with <c>timed out</c> and <c>short-circuited</c> as parts of it), a step stopped while running is
/// <c>cancelled</c>, a step that never started is <c>not run</c> — never failed, never skipped.</item>
/// </list>
/// </summary>
public sealed record StepCounts
{
    /// <summary>Leaf steps counted.</summary>
    public int Total { get; init; }

    /// <summary>Steps that succeeded.</summary>
    public int Succeeded { get; init; }

    /// <summary>Failures proper: failed, timed out or short-circuited (includes <see cref="TimedOut"/> and <see cref="ShortCircuited"/>).</summary>
    public int Failed { get; init; }

    /// <summary>Of <see cref="Failed"/>: steps whose last attempt exceeded the step timeout.</summary>
    public int TimedOut { get; init; }

    /// <summary>Of <see cref="Failed"/>: steps not run because their circuit breaker was open.</summary>
    public int ShortCircuited { get; init; }

    /// <summary>Steps stopped while running.</summary>
    public int Cancelled { get; init; }

    /// <summary>Steps skipped by a condition or a failed dependency.</summary>
    public int Skipped { get; init; }

    /// <summary>Steps that never started because the run stopped first.</summary>
    public int NotRun { get; init; }

    /// <summary>Steps not finished yet (pending, running, awaiting approval): 0 once a run ended.</summary>
    public int Unfinished => Total - Succeeded - Failed - Cancelled - Skipped - NotRun;

    /// <summary>The class a state counts as.</summary>
    public static StepClass Classify(StepState state) => state switch
    {
        StepState.Pending => StepClass.Pending,
        StepState.Running => StepClass.Running,
        StepState.AwaitingApproval => StepClass.AwaitingApproval,
        StepState.Succeeded => StepClass.Succeeded,
        StepState.Failed or StepState.TimedOut or StepState.ShortCircuited => StepClass.Failed,
        StepState.Cancelled => StepClass.Cancelled,
        StepState.Skipped => StepClass.Skipped,
        _ => StepClass.NotRun,
    };

    /// <summary>The steps a run of <paramref name="steps"/> counts: its leaf steps (a group, even an empty one, is not a step).</summary>
    public static int CountSteps(IEnumerable<Model.WorkflowStep> steps) => steps.Sum(s => s.IsGroup ? CountSteps(s.Steps) : 1);

    /// <summary>Counts the states of a run's leaf steps.</summary>
    public static StepCounts Of(IEnumerable<StepState> leafStates)
    {
        int total = 0, succeeded = 0, failed = 0, timedOut = 0, shortCircuited = 0, cancelled = 0, skipped = 0, notRun = 0;
        foreach (StepState state in leafStates)
        {
            total++;
            switch (Classify(state))
            {
                case StepClass.Succeeded: succeeded++; break;
                case StepClass.Failed: failed++; break;
                case StepClass.Cancelled: cancelled++; break;
                case StepClass.Skipped: skipped++; break;
                case StepClass.NotRun: notRun++; break;
            }

            timedOut += state == StepState.TimedOut ? 1 : 0;
            shortCircuited += state == StepState.ShortCircuited ? 1 : 0;
        }

        return new StepCounts
        {
            Total = total,
            Succeeded = succeeded,
            Failed = failed,
            TimedOut = timedOut,
            ShortCircuited = shortCircuited,
            Cancelled = cancelled,
            Skipped = skipped,
            NotRun = notRun,
        };
    }

    /// <summary>
    /// The counts as the run figures: <c>total_steps</c>, <c>succeeded_steps</c>, <c>failed_steps</c>, <c>timed_out_steps</c>,
    /// <c>short_circuited_steps</c>, <c>cancelled_steps</c>, <c>skipped_steps</c>, <c>not_run_steps</c>, and the rates
    /// <c>success_rate</c> / <c>failure_rate</c> (percent of the steps that succeeded or failed; 100 / 0 when none did).
    /// </summary>
    public void AddFigures(IDictionary<string, object?> figures)
    {
        figures["total_steps"] = (long)Total;
        figures["succeeded_steps"] = (long)Succeeded;
        figures["failed_steps"] = (long)Failed;
        figures["timed_out_steps"] = (long)TimedOut;
        figures["short_circuited_steps"] = (long)ShortCircuited;
        figures["cancelled_steps"] = (long)Cancelled;
        figures["skipped_steps"] = (long)Skipped;
        figures["not_run_steps"] = (long)NotRun;
        int finished = Succeeded + Failed;
        figures["success_rate"] = finished == 0 ? 100.0 : Math.Round(100.0 * Succeeded / finished, 2);
        figures["failure_rate"] = finished == 0 ? 0.0 : Math.Round(100.0 * Failed / finished, 2);
    }

    /// <summary>
    /// The counts in words, as the final line of <c>fanout run</c> prints them: <c>3 succeeded, 2 failed (1 timed out),
    /// 1 cancelled, 1 skipped, 2 not run</c> — succeeded, failed and skipped always, the others when not zero.
    /// </summary>
    public override string ToString()
    {
        var parts = new List<string> { Count(Succeeded, "succeeded") };
        var failedParts = new List<string>();
        if (TimedOut > 0)
        {
            failedParts.Add(Count(TimedOut, "timed out"));
        }

        if (ShortCircuited > 0)
        {
            failedParts.Add(Count(ShortCircuited, "short-circuited"));
        }

        parts.Add(Count(Failed, "failed") + (failedParts.Count > 0 ? $" ({string.Join(", ", failedParts)})" : string.Empty));
        if (Cancelled > 0)
        {
            parts.Add(Count(Cancelled, "cancelled"));
        }

        parts.Add(Count(Skipped, "skipped"));
        if (NotRun > 0)
        {
            parts.Add(Count(NotRun, "not run"));
        }

        if (Unfinished > 0)
        {
            parts.Add(Count(Unfinished, "unfinished"));
        }

        return string.Join(", ", parts);
    }

    private static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + what;
}
