using Fanout.Events;
using Fanout.Execution;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fanout.Cli.Rendering;

/// <summary>
/// The live terminal display (SPEC X8): a progress bar, counts per state, the current wave,
/// elapsed time and ETA, and the slowest running targets, redrawn ten times a second from the
/// tracker's snapshot until the run ends.
/// </summary>
internal sealed class LiveProgressDisplay
{
    private readonly ProgressTracker _tracker;
    private readonly TimeProvider _time;

    public LiveProgressDisplay(ProgressTracker tracker, TimeProvider time)
    {
        _tracker = tracker;
        _time = time;
    }

    public async Task RunAsync(IAnsiConsole console, Task completion, CancellationToken cancellationToken)
    {
        await console.Live(Build(_tracker.Snapshot(3))).AutoClear(false).StartAsync(async ctx =>
        {
            while (!completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken)).ConfigureAwait(false);
                ctx.UpdateTarget(Build(_tracker.Snapshot(3)));
                ctx.Refresh();
            }
        }).ConfigureAwait(false);
    }

    public static IRenderable Build(ProgressSnapshot s)
    {
        const int width = 30;
        double fraction = s.Total == 0 ? 0 : (double)s.Completed / s.Total;
        int filled = (int)Math.Round(fraction * width);
        string eta = s.Eta is { } e ? Duration.Format(e) : "--";
        var lines = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(s.Operation ?? "run")}[/]  [green]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/] {s.Completed}/{s.Total} ({fraction * 100:0}%)  wave {Math.Max(s.Wave, 1)}/{Math.Max(s.WaveCount, 1)}  elapsed {Duration.Format(s.Elapsed)}  ETA {eta}"),
            new Markup(string.Join("  ", Enum.GetValues<TargetState>().Select(state => $"[{SummaryRenderer.StateStyle(state)}]{state.ToWireName()} {s.Count(state)}[/]")) + $"  running {s.RunningCount}"),
        };
        foreach (RunningTarget r in s.Slowest)
        {
            lines.Add(new Markup($"  [grey]slowest:[/] {Markup.Escape(r.Target)} {Duration.Format(r.Elapsed)}{(r.Attempt > 1 ? $" (attempt {r.Attempt})" : string.Empty)}"));
        }

        return new Rows(lines);
    }
}
