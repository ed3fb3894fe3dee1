using System.Text;

namespace Fanout.Expressions;

/// <summary>Walks the AST against a <see cref="TemplateContext"/>. One instance per render.</summary>
internal sealed class Evaluator
{
    private readonly TemplateContext _context;
    private readonly RenderMode _mode;
    private readonly List<Dictionary<string, object?>> _scopes = [new(StringComparer.Ordinal)];
    private readonly StringBuilder _out = new();
    private object? _dot;

    public Evaluator(TemplateContext context, RenderMode mode)
    {
        _context = context;
        _mode = mode;
        _dot = context.Root;
    }

    public string Render(IReadOnlyList<Node> nodes)
    {
        Execute(nodes);
        return _out.ToString();
    }

    public object? Evaluate(ActionNode action) => Use(EvaluatePipeline(action.Pipeline), action.Pipeline);

    private void Execute(IReadOnlyList<Node> nodes)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    _out.Append(text.Text);
                    break;
                case ActionNode action:
                    var value = EvaluatePipeline(action.Pipeline);
                    if (action.Pipeline.Variable is null)
                    {
                        Write(Use(value, action.Pipeline));
                    }

                    break;
                case IfNode ifNode:
                    ExecuteIf(ifNode);
                    break;
                case RangeNode range:
                    ExecuteRange(range);
                    break;
            }
        }
    }

    private void ExecuteIf(IfNode node)
    {
        _scopes.Add(new(StringComparer.Ordinal));
        try
        {
            foreach (var branch in node.Branches)
            {
                if (TemplateValues.IsTruthy(Use(EvaluatePipeline(branch.Condition), branch.Condition)))
                {
                    ExecuteScoped(branch.Body);
                    return;
                }
            }

            if (node.Else is not null)
            {
                ExecuteScoped(node.Else);
            }
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    private void ExecuteRange(RangeNode node)
    {
        var source = Use(EvaluatePipeline(node.Source), node.Source);
        IEnumerable<(object? Key, object? Value)> items = source switch
        {
            null => [],
            IReadOnlyList<object?> list => list.Select((v, i) => ((object?)(long)i, v)),
            IReadOnlyDictionary<string, object?> map => map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ((object?)kv.Key, kv.Value)),
            long n => Enumerable.Range(0, (int)Math.Clamp(n, 0, int.MaxValue)).Select(i => ((object?)(long)i, (object?)(long)i)),
            _ => throw new TemplateSyntaxException($"range cannot iterate over a {TemplateValues.TypeName(source)}", node.Source.Line, node.Source.Column),
        };

        var any = false;
        var savedDot = _dot;
        foreach (var (key, value) in items)
        {
            any = true;
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (node.KeyVariable is not null)
            {
                scope[node.KeyVariable] = key;
            }

            if (node.ValueVariable is not null)
            {
                scope[node.ValueVariable] = value;
            }
            else if (node.KeyVariable is null)
            {
                _dot = value;
            }

            _scopes.Add(scope);
            try
            {
                Execute(node.Body);
            }
            finally
            {
                _scopes.RemoveAt(_scopes.Count - 1);
                _dot = savedDot;
            }
        }

        if (!any && node.Else is not null)
        {
            ExecuteScoped(node.Else);
        }
    }

    private void ExecuteScoped(IReadOnlyList<Node> body)
    {
        _scopes.Add(new(StringComparer.Ordinal));
        try
        {
            Execute(body);
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    private void Write(object? value)
    {
        if (_mode == RenderMode.Plain || value is RawString)
        {
            _out.Append(TemplateValues.ToText(value));
            return;
        }

        if (value is IReadOnlyList<object?> list)
        {
            _out.AppendJoin(' ', list.Select(item => item is RawString r ? r.Value : ShellQuoting.Quote(TemplateValues.ToText(item))));
            return;
        }

        _out.Append(ShellQuoting.Quote(TemplateValues.ToText(value)));
    }

    private object? EvaluatePipeline(PipelineNode pipe)
    {
        var value = Evaluate(pipe.Head);
        foreach (var command in pipe.Commands)
        {
            value = Call(command, value, hasPiped: true);
        }

        if (pipe.Variable is not null)
        {
            value = Use(value, pipe);
            if (pipe.IsAssignment)
            {
                _scopes.Last(s => s.ContainsKey(pipe.Variable))[pipe.Variable] = value;
            }
            else
            {
                _scopes[^1][pipe.Variable] = value;
            }
        }

        return value;
    }

    private object? Evaluate(Expr expr)
    {
        switch (expr)
        {
            case LiteralExpr literal:
                return literal.Value;
            case ListExpr list:
                return list.Items.Select(item => Use(Evaluate(item), item)).ToList();
            case DotExpr:
                return _dot;
            case FieldExpr field:
                return Access(_dot, field.Path, field, string.Empty);
            case VariableExpr variable:
                if (variable.Name.Length == 0)
                {
                    return Access(_context.Root, variable.Path, variable, string.Empty);
                }

                var scope = _scopes.LastOrDefault(s => s.ContainsKey(variable.Name))
                    ?? throw new TemplateSyntaxException($"undefined variable '${variable.Name}'", variable.Line, variable.Column);
                return Access(scope[variable.Name], variable.Path, variable, "$" + variable.Name);
            case ParenExpr paren:
                return Access(EvaluatePipeline(paren.Inner), paren.Path, paren, "(…)");
            case CallExpr call:
                return Call(call, null, hasPiped: false);
            case UnaryExpr unary:
                return !TemplateValues.IsTruthy(Use(Evaluate(unary.Operand), unary.Operand));
            case BinaryExpr binary:
                return EvaluateBinary(binary);
            default:
                throw new InvalidOperationException($"unknown node {expr.GetType().Name}");
        }
    }

    private object? EvaluateBinary(BinaryExpr binary)
    {
        var left = Use(Evaluate(binary.Left), binary.Left);
        switch (binary.Operator)
        {
            case "and":
                return TemplateValues.IsTruthy(left) && TemplateValues.IsTruthy(Use(Evaluate(binary.Right), binary.Right));
            case "or":
                return TemplateValues.IsTruthy(left) || TemplateValues.IsTruthy(Use(Evaluate(binary.Right), binary.Right));
        }

        var right = Use(Evaluate(binary.Right), binary.Right);
        try
        {
            return binary.Operator switch
            {
                "==" => TemplateValues.AreEqual(left, right),
                "!=" => !TemplateValues.AreEqual(left, right),
                "in" => Functions.Contains(right, left),
                _ => CompareResult(binary.Operator, left, right),
            };
        }
        catch (TemplateSyntaxException ex) when (ex.Line == 0)
        {
            throw new TemplateSyntaxException($"'{binary.Operator}': {ex.Message}", binary.Line, binary.Column);
        }
    }

    private static bool CompareResult(string op, object? left, object? right)
    {
        var c = TemplateValues.Compare(left, right)
            ?? throw new TemplateSyntaxException($"cannot compare a {TemplateValues.TypeName(left)} with a {TemplateValues.TypeName(right)}", 0, 0);
        return op switch
        {
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            _ => c >= 0,
        };
    }

    private object? Call(CallExpr call, object? piped, bool hasPiped)
    {
        var argExprs = call.Arguments;
        var count = argExprs.Count + (hasPiped ? 1 : 0);
        object? Arg(int i) => i < argExprs.Count ? Evaluate(argExprs[i]) : piped;
        Node ArgNode(int i) => i < argExprs.Count ? argExprs[i] : call;

        switch (call.Name)
        {
            case "and" or "or":
                if (count < 2)
                {
                    throw new TemplateSyntaxException($"{call.Name} takes at least 2 arguments, got {count}", call.Line, call.Column);
                }

                object? last = null;
                for (var i = 0; i < count; i++)
                {
                    last = Use(Arg(i), ArgNode(i));
                    if (TemplateValues.IsTruthy(last) == (call.Name == "or"))
                    {
                        return last;
                    }
                }

                return last;
            case "default":
                if (count != 2)
                {
                    throw new TemplateSyntaxException($"default takes 2 arguments (fallback, value), got {count}", call.Line, call.Column);
                }

                var value = Arg(1);
                return value is Undefined || !TemplateValues.IsTruthy(value) ? Use(Arg(0), ArgNode(0)) : value;
        }

        var args = new object?[count];
        for (var i = 0; i < count; i++)
        {
            args[i] = Use(Arg(i), ArgNode(i));
        }

        try
        {
            return Functions.Invoke(call.Name, args, _context);
        }
        catch (TemplateSyntaxException ex) when (ex.Line == 0)
        {
            throw new TemplateSyntaxException(ex.Message.StartsWith(call.Name, StringComparison.Ordinal) ? ex.Message : $"{call.Name}: {ex.Message}", call.Line, call.Column);
        }
    }

    private static object? Access(object? receiver, IReadOnlyList<string> path, Node node, string prefix)
    {
        var name = prefix;
        foreach (var segment in path)
        {
            name += "." + segment;
            switch (receiver)
            {
                case Undefined:
                    return new Undefined(name);
                case IReadOnlyDictionary<string, object?> map:
                    receiver = map.TryGetValue(segment, out var next) ? next : new Undefined(name);
                    break;
                default:
                    throw new TemplateSyntaxException($"cannot read '{name}': the value before '.{segment}' is a {TemplateValues.TypeName(receiver)}, not a map", node.Line, node.Column);
            }
        }

        return receiver;
    }

    private static object? Use(object? value, Node node) => value is Undefined u
        ? throw new TemplateSyntaxException($"undefined name '{u.Name}'", node.Line, node.Column)
        : value;
}
