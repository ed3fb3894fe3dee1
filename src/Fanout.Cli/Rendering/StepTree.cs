using Fanout.Events;
using Fanout.Workflows.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fanout.Cli.Rendering;

/// <summary>
/// The step tree of a workflow run (SPEC W17), kept from the run's event stream: ✓ ⏳ ⏸ ✗ ⊘ ↷ marks (by StepCounts.Classify), a fan-out step's
/// targets done while it runs, and when it ends its tally — <c>✓ rollout 331/334 (3 failed: node-0113, …)</c>.
/// <see cref="LiveProgressDisplay"/> draws it under the progress bar. Thread-safe.
/// </summary>
internal sealed class StepTree
{
    private readonly Lock _gate = new();
    private readonly List<string> _order;
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    public StepTree(IEnumerable<string> allPaths, IEnumerable<string> leafPaths, TimeSpan? typicalDuration = null)
    {
        _order = [.. allPaths];
        Leaves = [.. leafPaths];
        TypicalDuration = typicalDuration;
    }

    /// <summary>The leaf steps (what "steps done" counts).</summary>
    public IReadOnlyList<string> Leaves { get; }

    /// <summary>The average duration of earlier successful runs of the workflow, if any.</summary>
    public TimeSpan? TypicalDuration { get; }

    /// <summary>Subscriber of the run's tracker.</summary>
    public void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StepStarted s:
                    Get(s.Path).State = StepState.Running;
                    Get(s.Path).Total = s.Targets;
                    break;
                case TargetFinished { Step: { } step } f when f.Outcome.Target != step:
                    Get(step).Done++;
                    break;
                case ApprovalRequested a:
                    Get(a.Path).State = StepState.AwaitingApproval;
                    break;
                case StepFinished f:
                    Node node = Get(f.Path);
                    node.State = f.State;
                    node.Total = f.Targets;
                    node.Failed = f.FailedTargets;
                    break;
            }
        }
    }

    /// <summary>Leaf steps that reached a final state.</summary>
    public int DoneLeaves
    {
        get
        {
            lock (_gate)
            {
                return Leaves.Count(l => _nodes.TryGetValue(l, out Node? n) && n.State.IsFinal());
            }
        }
    }

    /// <summary>The tree's rows, one per step in workflow order (hooks and fallbacks as they appear).</summary>
    /// <summary>One line per step; each cut to <paramref name="width"/> characters (a live display's lines must not wrap).</summary>
    public IEnumerable<IRenderable> Rows(int width = int.MaxValue)
    {
        var rows = new List<IRenderable>();
        lock (_gate)
        {
            foreach (string path in _order)
            {
                Node node = _nodes.GetValueOrDefault(path) ?? new Node();
                int depth = path.Count(c => c == '/');
                string name = path[(path.LastIndexOf('/') + 1)..];
                string style = StepCounts.Classify(node.State) switch
                {
                    StepClass.Succeeded when node.Failed.Count > 0 => "yellow",
                    StepClass.Succeeded => "green",
                    StepClass.Running or StepClass.Cancelled => "yellow",
                    StepClass.AwaitingApproval => "blue",
                    StepClass.Skipped or StepClass.NotRun or StepClass.Pending => "grey",
                    _ => "red",
                };
                int indent = 2 + (depth * 2);
                string text = LiveProgressDisplay.Fit(name + Tally(node.State, node.Done, node.Total, node.Failed), Math.Max(1, width - indent - 2));
                rows.Add(new Markup($"{new string(' ', indent)}[{style}]{Mark(node.State)}[/] {Markup.Escape(text)}"));
            }
        }

        return rows;
    }

    /// <summary>The mark of a step state, by its <see cref="StepCounts.Classify"/> class (the one the counts use).</summary>
    public static string Mark(StepState state) => StepCounts.Classify(state) switch
    {
        StepClass.Succeeded => "✓",
        StepClass.Running => "⏳",
        StepClass.AwaitingApproval => "⏸",
        StepClass.Failed => "✗",
        StepClass.Cancelled => "⊘",
        StepClass.Skipped or StepClass.NotRun => "↷",
        _ => "·",
    };

    /// <summary>
    /// A fan-out step's tally after its name: <c> (12/334)</c> while it runs, <c> 331/334 (3 failed: a, b, c)</c> once it
    /// ended (at most three names, then …); empty for plain steps.
    /// </summary>
    public static string Tally(StepState state, int done, int total, IReadOnlyList<string> failed)
    {
        if (total == 0)
        {
            return string.Empty;
        }

        if (!state.IsFinal())
        {
            return $" ({done}/{total})";
        }

        return $" {total - failed.Count}/{total}{FailedList(failed)}";
    }

    /// <summary><c> (3 failed: a, b, c, …)</c> — at most three names; empty when none failed.</summary>
    public static string FailedList(IReadOnlyList<string> failed) =>
        failed.Count == 0 ? string.Empty : $" ({failed.Count} failed: {string.Join(", ", failed.Take(3))}{(failed.Count > 3 ? ", …" : string.Empty)})";

    private Node Get(string path)
    {
        if (!_nodes.TryGetValue(path, out Node? node))
        {
            node = new Node();
            _nodes[path] = node;
            if (!_order.Contains(path))
            {
                _order.Add(path);
            }
        }

        return node;
    }

    private sealed class Node
    {
        public StepState State { get; set; } = StepState.Pending;

        public int Done { get; set; }

        public int Total { get; set; }

        public IReadOnlyList<string> Failed { get; set; } = [];
    }
}
