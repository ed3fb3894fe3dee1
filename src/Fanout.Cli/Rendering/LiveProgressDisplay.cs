using System.Globalization;
using Fanout.Cli.Interaction;
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
    private readonly ConsoleNotices? _notices;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _above = new();

    public LiveProgressDisplay(ProgressTracker tracker, TimeProvider time, StepTree? steps = null, ConsoleNotices? notices = null)
    {
        _tracker = tracker;
        _time = time;
        _steps = steps;
        _notices = notices;
    }

    /// <summary>
    /// Queues <paramref name="text"/> (whole lines) to be written above the display at its next redraw (a target's output
    /// when it finishes). Only the display's own loop writes to its console while it is drawn: Spectre's live display takes
    /// its locks in the opposite order of a write from another thread, so such a write could deadlock both.
    /// </summary>
    public void WriteAbove(string text) => _above.Enqueue(text);

    /// <summary>Writes what <see cref="WriteAbove"/> queued and the display has not written yet (call after <see cref="RunAsync"/>).</summary>
    public void FlushAbove(IAnsiConsole console)
    {
        while (_above.TryDequeue(out string? text))
        {
            console.Write(new Text(text));
        }
    }

    public async Task RunAsync(IAnsiConsole console, Task completion, CancellationToken cancellationToken)
    {
        // While the display is drawn, notices (Ctrl-C: "interrupted; stopping …") are lines of it: written under it they
        // would land mid-line and be overwritten by the next redraw. Any that arrive after the last frame follow it.
        using ConsoleNotices.LiveScope? scope = _notices?.BeginLive();
        int shown = 0;
        IRenderable Frame()
        {
            IReadOnlyList<string> notices = scope?.Lines ?? [];
            shown = notices.Count;
            int width = console.Profile.Width;
            IRenderable progress = Build(_tracker.Snapshot(3), _steps, width);
            return notices.Count == 0 ? progress
                : new Rows([progress, .. notices.Select(n => new Markup($"[yellow]{Markup.Escape(Fit(n, Room(width)))}[/]"))]);
        }

        await console.Live(Frame()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken)).ConfigureAwait(false);
                FlushAbove(console);
                ctx.UpdateTarget(Frame());
                ctx.Refresh();
            }
        }).ConfigureAwait(false);
        scope?.End(shown);
    }

    public static IRenderable Build(ProgressSnapshot s, StepTree? steps = null, int width = int.MaxValue)
    {
        int room = Room(width);
        double fraction = s.Total == 0 ? 0 : (double)s.Completed / s.Total;
        string eta = s.Eta is { } e ? Duration.Format(e) : "--";
        string place = steps is null
            ? $"wave {Math.Max(s.Wave, 1)}/{Math.Max(s.WaveCount, 1)}"
            : $"{steps.DoneLeaves}/{steps.Leaves.Count} steps";
        if (steps?.TypicalDuration is { } typical)
        {
            eta = Duration.Format(typical > s.Elapsed ? typical - s.Elapsed : TimeSpan.Zero) + " (from earlier runs)";
        }

        var lines = new List<IRenderable> { HeadLine(s.Operation ?? "run", fraction, $" {s.Completed}/{s.Total} ({fraction * 100:0}%)", place, Duration.Format(s.Elapsed), eta, room) };
        lines.Add(CountsLine(s, room));
        foreach (RunningTarget r in s.Slowest)
        {
            string when = $" {Duration.Format(r.Elapsed)}{(r.Attempt > 1 ? $" (attempt {r.Attempt})" : string.Empty)}";
            lines.Add(new Markup($"  [grey]slowest:[/] {Markup.Escape(Fit(r.Target, room - 11 - when.Length))}{Markup.Escape(when)}"));
        }

        if (steps is not null)
        {
            lines.AddRange(steps.Rows(room));
        }

        return new Rows(lines);
    }

    /// <summary>The bar line: the bar shrinks first (down to 10 cells), then the operation name, then ETA and elapsed go.</summary>
    private static Markup HeadLine(string operation, double fraction, string count, string place, string elapsed, string eta, int room)
    {
        const int fullBar = 30, minBar = 10;
        string[] tails = [$"  {place}  elapsed {elapsed}  ETA {eta}", $"  {place}  elapsed {elapsed}", $"  {place}", string.Empty];
        foreach (string tail in tails)
        {
            int fixedPart = count.Length + tail.Length + 2; // two spaces after the operation
            int bar = Math.Clamp(room - fixedPart - operation.Length, minBar, fullBar);
            int nameRoom = room - fixedPart - bar;
            if (nameRoom >= Math.Min(operation.Length, 8) || tail.Length == 0)
            {
                int filled = (int)Math.Round(fraction * bar);
                return new Markup($"[bold]{Markup.Escape(Fit(operation, Math.Max(1, nameRoom)))}[/]  [green]{new string('█', filled)}[/][grey]{new string('░', bar - filled)}[/]{Markup.Escape(count + tail)}");
            }
        }

        throw new InvalidOperationException("unreachable: the last tail always fits");
    }

    /// <summary>The counts: every state while they fit; on a narrow terminal only the states with targets (succeeded and failed always).</summary>
    private static Markup CountsLine(ProgressSnapshot s, int room)
    {
        // `unreachable` only when some target is (it is rare; the other states always show while they fit).
        List<(TargetState State, string Text)> all = [.. Enum.GetValues<TargetState>().Where(state => state != TargetState.Unreachable || s.Count(state) > 0)
            .Select(state => (state, $"{state.ToWireName()} {s.Count(state)}"))];
        string running = $"running {s.RunningCount}";
        if (all.Sum(p => p.Text.Length + 2) + running.Length > room)
        {
            all = [.. all.Where(p => p.State is TargetState.Succeeded or TargetState.Failed || s.Count(p.State) > 0)];
        }

        var text = new System.Text.StringBuilder();
        int used = 0;
        foreach ((TargetState state, string part) in all)
        {
            if (used + part.Length + 2 + running.Length > room)
            {
                break;
            }

            text.Append(CultureInfo.InvariantCulture, $"[{SummaryRenderer.StateStyle(state)}]{Markup.Escape(part)}[/]  ");
            used += part.Length + 2;
        }

        return new Markup(text + Markup.Escape(Fit(running, room - used)));
    }

    /// <summary>
    /// The widest line the display draws on a terminal of <paramref name="width"/> columns. A line the terminal wraps breaks
    /// the redraw (the display moves the cursor up by the lines it drew), and the cursor rests after the widest line, where
    /// the terminal echoes <c>^C</c>: three columns stay free so that echo never wraps either.
    /// </summary>
    internal static int Room(int width) => width == int.MaxValue ? int.MaxValue : Math.Max(20, width - 3);

    /// <summary><paramref name="text"/> cut to <paramref name="room"/> characters with an ellipsis.</summary>
    internal static string Fit(string text, int room) =>
        text.Length <= room ? text : room <= 1 ? "…" : string.Concat(text.AsSpan(0, room - 1), "…");
}
