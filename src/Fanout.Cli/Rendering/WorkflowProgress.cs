using System.Collections.Concurrent;
using System.Globalization;
using Fanout.Workflows.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fanout.Cli.Rendering;

/// <summary>
/// Progress of a workflow run (SPEC W17): on a terminal the live step tree with ✓ ⏳ (i/n) ⏸ ✗ ↷ marks, the overall
/// percentage and the time left (from earlier runs of the same workflow when there are any); otherwise one plain line
/// per step state change.
/// </summary>
internal sealed class WorkflowProgress
{
    private readonly ConcurrentDictionary<string, (StepState State, int Done, int Total)> _states = new(StringComparer.Ordinal);
    private readonly List<string> _order;
    private readonly TimeProvider _time;
    private readonly TextWriter? _plain;
    private readonly long _start;
    private readonly Lock _write = new();

    public WorkflowProgress(string workflow, IEnumerable<string> leafPaths, IEnumerable<string> allPaths, TimeProvider time, TimeSpan? typicalDuration, TextWriter? plain)
    {
        Workflow = workflow;
        _order = [.. allPaths];
        Leaves = [.. leafPaths];
        _time = time;
        TypicalDuration = typicalDuration;
        _plain = plain;
        _start = time.GetTimestamp();
    }

    public string Workflow { get; }

    public IReadOnlyList<string> Leaves { get; }

    public TimeSpan? TypicalDuration { get; }

    public void OnEvent(WorkflowStepEvent e)
    {
        _states[e.Path] = (e.State, e.Completed, e.Total);
        if (!_order.Contains(e.Path))
        {
            lock (_order)
            {
                _order.Add(e.Path);
            }
        }

        if (_plain is null)
        {
            return;
        }

        string line = PlainLine(e, _time.GetElapsedTime(_start));
        lock (_write)
        {
            _plain.WriteLine(line);
        }
    }

    public static string PlainLine(WorkflowStepEvent e, TimeSpan elapsed)
    {
        string counts = e.Total > 0 ? $" {e.Completed}/{e.Total}" : string.Empty;
        string message = string.IsNullOrEmpty(e.Message) ? string.Empty : " — " + e.Message.ReplaceLineEndings(" ");
        return string.Create(CultureInfo.InvariantCulture, $"[{Duration.Format(elapsed),6}] {Mark(e.State)} {e.Path}: {e.State.ToWireName()}{counts}{message}");
    }

    public static string Mark(StepState state) => state switch
    {
        StepState.Succeeded => "✓",
        StepState.Running => "⏳",
        StepState.AwaitingApproval => "⏸",
        StepState.Skipped or StepState.NotRun => "↷",
        StepState.Pending => "·",
        _ => "✗",
    };

    public async Task RunLiveAsync(IAnsiConsole console, Task completion, CancellationToken cancellationToken)
    {
        await console.Live(Build()).AutoClear(false).StartAsync(async ctx =>
        {
            while (!completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(150), _time, cancellationToken)).ConfigureAwait(false);
                ctx.UpdateTarget(Build());
                ctx.Refresh();
            }
        }).ConfigureAwait(false);
    }

    public IRenderable Build()
    {
        int done = Leaves.Count(l => _states.TryGetValue(l, out var s) && s.State.IsFinal());
        double fraction = Leaves.Count == 0 ? 1 : (double)done / Leaves.Count;
        TimeSpan elapsed = _time.GetElapsedTime(_start);
        string left = TypicalDuration is { } typical
            ? Duration.Format(typical > elapsed ? typical - elapsed : TimeSpan.Zero) + " left (from earlier runs)"
            : done > 0 && fraction < 1 ? Duration.Format(elapsed / fraction - elapsed) + " left" : "--";
        var lines = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(Workflow)}[/]  {fraction * 100:0}%  {done}/{Leaves.Count} steps  elapsed {Duration.Format(elapsed)}  {Markup.Escape(left)}"),
        };
        string[] order;
        lock (_order)
        {
            order = [.. _order];
        }

        foreach (string path in order)
        {
            (StepState state, int d, int total) = _states.TryGetValue(path, out var s) ? s : (StepState.Pending, 0, 0);
            int depth = path.Count(c => c == '/');
            string name = path[(path.LastIndexOf('/') + 1)..];
            string counts = state == StepState.Running && total > 0 ? $" ({d}/{total})" : string.Empty;
            string style = state switch
            {
                StepState.Succeeded => "green",
                StepState.Running => "yellow",
                StepState.AwaitingApproval => "blue",
                StepState.Skipped or StepState.NotRun or StepState.Pending => "grey",
                _ => "red",
            };
            lines.Add(new Markup($"{new string(' ', 2 + (depth * 2))}[{style}]{Mark(state)}[/] {Markup.Escape(name)}{counts}"));
        }

        return new Rows(lines);
    }
}
