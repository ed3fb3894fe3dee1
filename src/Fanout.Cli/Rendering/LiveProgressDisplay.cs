using Fanout.Events;
using Fanout.Execution;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fanout.Cli.Rendering;

/// <summary>
/// The one live terminal display of every kind of run (SPEC X8, W17): a progress bar, counts per state, the current
/// wave, elapsed time and ETA, and the slowest running targets, redrawn ten times a second from the tracker's
/// snapshot until the run ends; for a workflow run the <see cref="StepTree"/> (fed by the same events) under it.
/// </summary>
internal sealed class LiveProgressDisplay
{
    private readonly ProgressTracker _tracker;
    private readonly TimeProvider _time;
    private readonly StepTree? _steps;

    public LiveProgressDisplay(ProgressTracker tracker, TimeProvider time, StepTree? steps = null)
    {
        _tracker = tracker;
        _time = time;
        _steps = steps;
    }

    public async Task RunAsync(IAnsiConsole console, Task completion, CancellationToken cancellationToken)
    {
        await console.Live(Build(_tracker.Snapshot(3), _steps)).AutoClear(false).StartAsync(async ctx =>
        {
            while (!completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken)).ConfigureAwait(false);
                ctx.UpdateTarget(Build(_tracker.Snapshot(3), _steps));
                ctx.Refresh();
            }
        }).ConfigureAwait(false);
    }

    public static IRenderable Build(ProgressSnapshot s, StepTree? steps = null)
    {
        const int width = 30;
        double fraction = s.Total == 0 ? 0 : (double)s.Completed / s.Total;
        int filled = (int)Math.Round(fraction * width);
        string eta = s.Eta is { } e ? Duration.Format(e) : "--";
        string place = steps is null
            ? $"wave {Math.Max(s.Wave, 1)}/{Math.Max(s.WaveCount, 1)}"
            : $"{steps.DoneLeaves}/{steps.Leaves.Count} steps";
        if (steps?.TypicalDuration is { } typical)
        {
            eta = Duration.Format(typical > s.Elapsed ? typical - s.Elapsed : TimeSpan.Zero) + " (from earlier runs)";
        }

        var lines = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(s.Operation ?? "run")}[/]  [green]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/] {s.Completed}/{s.Total} ({fraction * 100:0}%)  {Markup.Escape(place)}  elapsed {Duration.Format(s.Elapsed)}  ETA {Markup.Escape(eta)}"),
            new Markup(string.Join("  ", Enum.GetValues<TargetState>().Where(state => state != TargetState.Unreachable || s.Count(state) > 0).Select(state => $"[{SummaryRenderer.StateStyle(state)}]{state.ToWireName()} {s.Count(state)}[/]")) + $"  running {s.RunningCount}"),
        };
        foreach (RunningTarget r in s.Slowest)
        {
            lines.Add(new Markup($"  [grey]slowest:[/] {Markup.Escape(r.Target)} {Duration.Format(r.Elapsed)}{(r.Attempt > 1 ? $" (attempt {r.Attempt})" : string.Empty)}"));
        }

        if (steps is not null)
        {
            lines.AddRange(steps.Rows());
        }

        return new Rows(lines);
    }
}
