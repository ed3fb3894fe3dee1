using System.Globalization;
using System.Text;

namespace Fanout.Expressions;

/// <summary>Prints an AST back to canonical template source; parsing the output yields the same AST.</summary>
internal static class AstPrinter
{
    public static string Print(IReadOnlyList<Node> nodes)
    {
        var sb = new StringBuilder();
        PrintNodes(sb, nodes);
        return sb.ToString();
    }

    private static void PrintNodes(StringBuilder sb, IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    sb.Append(text.Text);
                    break;
                case ActionNode action:
                    sb.Append("{{ ").Append(Pipeline(action.Pipeline)).Append(" }}");
                    break;
                case IfNode ifNode:
                    for (var i = 0; i < ifNode.Branches.Count; i++)
                    {
                        sb.Append(i == 0 ? "{{ if " : "{{ else if ").Append(Pipeline(ifNode.Branches[i].Condition)).Append(" }}");
                        PrintNodes(sb, ifNode.Branches[i].Body);
                    }

                    if (ifNode.Else is not null)
                    {
                        sb.Append("{{ else }}");
                        PrintNodes(sb, ifNode.Else);
                    }

                    sb.Append("{{ end }}");
                    break;
                case RangeNode range:
                    sb.Append("{{ range ");
                    if (range.KeyVariable is not null)
                    {
                        sb.Append('$').Append(range.KeyVariable).Append(", ");
                    }

                    if (range.ValueVariable is not null)
                    {
                        sb.Append('$').Append(range.ValueVariable).Append(" := ");
                    }

                    sb.Append(Pipeline(range.Source)).Append(" }}");
                    PrintNodes(sb, range.Body);
                    if (range.Else is not null)
                    {
                        sb.Append("{{ else }}");
                        PrintNodes(sb, range.Else);
                    }

                    sb.Append("{{ end }}");
                    break;
            }
        }
    }

    public static string Pipeline(PipelineNode pipe)
    {
        var sb = new StringBuilder();
        if (pipe.Variable is not null)
        {
            sb.Append('$').Append(pipe.Variable).Append(pipe.IsAssignment ? " = " : " := ");
        }

        sb.Append(Expression(pipe.Head));
        foreach (var command in pipe.Commands)
        {
            sb.Append(" | ").Append(Expression(command));
        }

        return sb.ToString();
    }

    public static string Expression(Expr expr) => expr switch
    {
        LiteralExpr { Value: null } => "null",
        LiteralExpr { Value: bool b } => b ? "true" : "false",
        LiteralExpr { Value: long l } => l.ToString(CultureInfo.InvariantCulture),
        LiteralExpr { Value: double d } => Double(d),
        LiteralExpr { Value: string s } => Quote(s),
        ListExpr list => "[" + string.Join(", ", list.Items.Select(Expression)) + "]",
        DotExpr => ".",
        FieldExpr field => "." + string.Join('.', field.Path),
        VariableExpr v => "$" + v.Name + string.Concat(v.Path.Select(p => "." + p)),
        ParenExpr paren => "(" + Pipeline(paren.Inner) + ")" + string.Concat(paren.Path.Select(p => "." + p)),
        CallExpr call => call.Arguments.Count == 0 ? call.Name : call.Name + " " + string.Join(' ', call.Arguments.Select(Expression)),
        UnaryExpr unary => "not " + Expression(unary.Operand),
        BinaryExpr binary => Expression(binary.Left) + " " + binary.Operator + " " + Expression(binary.Right),
        _ => throw new InvalidOperationException($"unknown node {expr.GetType().Name}"),
    };

    private static string Double(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ': sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"').ToString();
    }
}
