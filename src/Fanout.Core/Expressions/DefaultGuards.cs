namespace Fanout.Expressions;

/// <summary>
/// Finds the root names a template reads only through <c>default</c> (<c>.x | default "none"</c>, <c>default "none" .x</c>):
/// such a name may be missing — the fallback is used — so it is neither a validation warning nor a pre-run error.
/// </summary>
internal static class DefaultGuards
{
    public static IReadOnlyCollection<string> Find(IReadOnlyList<Node> nodes)
    {
        var guarded = new Dictionary<string, int>(StringComparer.Ordinal);
        var all = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Node n in nodes)
        {
            Walk(n, guarded, all);
        }

        return [.. guarded.Where(g => all.GetValueOrDefault(g.Key) == g.Value).Select(g => g.Key)];
    }

    private static void Walk(Node node, Dictionary<string, int> guarded, Dictionary<string, int> all)
    {
        switch (node)
        {
            case ActionNode a:
                Walk(a.Pipeline, guarded, all);
                break;
            case IfNode i:
                foreach (IfBranch b in i.Branches)
                {
                    Walk(b.Condition, guarded, all);
                    b.Body.ToList().ForEach(n => Walk(n, guarded, all));
                }

                i.Else?.ToList().ForEach(n => Walk(n, guarded, all));
                break;
            case RangeNode r:
                Walk(r.Source, guarded, all);
                r.Body.ToList().ForEach(n => Walk(n, guarded, all));
                r.Else?.ToList().ForEach(n => Walk(n, guarded, all));
                break;
            case PipelineNode p:
                if (p.Commands.Count > 0 && p.Commands[0].Name == "default" && Root(p.Head) is { } piped)
                {
                    Count(guarded, piped);
                }

                Walk(p.Head, guarded, all);
                p.Commands.ToList().ForEach(c => Walk(c, guarded, all));
                break;
            case FieldExpr f:
                Count(all, f.Path[0]);
                break;
            case VariableExpr { Name.Length: 0, Path.Count: > 0 } v:
                Count(all, v.Path[0]);
                break;
            case ListExpr l:
                l.Items.ToList().ForEach(e => Walk(e, guarded, all));
                break;
            case ParenExpr pe:
                Walk(pe.Inner, guarded, all);
                break;
            case CallExpr c:
                if (c.Name == "default" && c.Arguments.Count >= 2 && Root(c.Arguments[^1]) is { } value)
                {
                    Count(guarded, value);
                }

                c.Arguments.ToList().ForEach(e => Walk(e, guarded, all));
                break;
            case UnaryExpr u:
                Walk(u.Operand, guarded, all);
                break;
            case BinaryExpr b:
                Walk(b.Left, guarded, all);
                Walk(b.Right, guarded, all);
                break;
        }
    }

    private static string? Root(Expr e) => e switch
    {
        FieldExpr f => f.Path[0],
        VariableExpr { Name.Length: 0, Path.Count: > 0 } v => v.Path[0],
        _ => null,
    };

    private static void Count(Dictionary<string, int> counts, string name) => counts[name] = counts.GetValueOrDefault(name) + 1;
}
