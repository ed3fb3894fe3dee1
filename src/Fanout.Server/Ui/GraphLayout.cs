using Fanout.Server.Workflows;

namespace Fanout.Server.Ui;

/// <summary>
/// Places the steps of a <see cref="WorkflowGraph"/> on a grid for drawing (StepGraph.razor): a step's column (layer) comes after
/// everything it waits for — including every step inside a group it waits for — and a group's first children sit one column after
/// the group; the steps of one column are stacked in plan order. Deterministic, linear in nodes + edges; a cycle (which validation
/// reports) is broken where it is met.
/// </summary>
internal static class GraphLayout
{
    public const double NodeWidth = 168;
    public const double NodeHeight = 46;
    public const double GapX = 44;
    public const double GapY = 14;
    public const double Margin = 8;

    public static GraphLayoutResult Compute(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ids = new HashSet<string>(graph.Nodes.Select(n => n.Id), StringComparer.Ordinal);
        var parents = graph.Nodes.ToDictionary(n => n.Id, n => n.Parent is { } p && ids.Contains(p) ? p : null, StringComparer.Ordinal);
        var children = graph.Nodes.Where(n => parents[n.Id] is not null).GroupBy(n => parents[n.Id]!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(n => n.Id).ToList(), StringComparer.Ordinal);
        var preds = graph.Edges.Where(e => ids.Contains(e.From) && ids.Contains(e.To)).GroupBy(e => e.To, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.From).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var layers = new Dictionary<string, int>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        int Layer(string id)
        {
            if (layers.TryGetValue(id, out int known))
            {
                return known;
            }

            if (!visiting.Add(id))
            {
                return 0; // a cycle
            }

            int layer = parents[id] is { } parent ? Layer(parent) + 1 : 0;
            foreach (string p in preds.GetValueOrDefault(id) ?? [])
            {
                layer = Math.Max(layer, End(p) + 1);
            }

            visiting.Remove(id);
            layers[id] = layer;
            return layer;
        }

        // The last column a step occupies: its own, or its deepest descendant's.
        int End(string id) => (children.GetValueOrDefault(id) ?? []).Select(End).Prepend(Layer(id)).Max();

        var rows = new Dictionary<int, int>();
        var boxes = new List<GraphBox>(graph.Nodes.Count);
        foreach (WorkflowGraphNode node in graph.Nodes)
        {
            int layer = Layer(node.Id);
            int row = rows.GetValueOrDefault(layer);
            rows[layer] = row + 1;
            boxes.Add(new GraphBox(node, layer, row, Margin + (layer * (NodeWidth + GapX)), Margin + (row * (NodeHeight + GapY))));
        }

        int columns = boxes.Count == 0 ? 0 : boxes.Max(b => b.Layer) + 1;
        int height = rows.Count == 0 ? 0 : rows.Values.Max();
        return new GraphLayoutResult(boxes, (2 * Margin) + (columns * NodeWidth) + (Math.Max(0, columns - 1) * GapX),
            (2 * Margin) + (height * NodeHeight) + (Math.Max(0, height - 1) * GapY));
    }
}

/// <summary>Where one step is drawn: its column (layer), its row in that column, and the top-left corner.</summary>
internal sealed record GraphBox(WorkflowGraphNode Node, int Layer, int Row, double X, double Y);

/// <summary>Every step's place and the size of the drawing.</summary>
internal sealed record GraphLayoutResult(IReadOnlyList<GraphBox> Boxes, double Width, double Height);
