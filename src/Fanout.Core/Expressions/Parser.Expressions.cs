using Fanout.Diagnostics;

namespace Fanout.Expressions;

/// <summary>The expression half of the parser: pipelines, operators, calls and primaries.</summary>
internal sealed partial class Parser
{
    private PipelineNode ParsePipeline(bool allowDeclaration)
    {
        var start = Peek();
        string? variable = null;
        var assignment = false;
        if (allowDeclaration && start.Kind == TokenKind.Variable && start.Path.Count == 0 &&
            (Peek(1).Kind == TokenKind.Declare || Peek(1).Kind == TokenKind.Assign))
        {
            variable = (string)Next().Value!;
            assignment = Next().Kind == TokenKind.Assign;
            if (variable.Length == 0)
            {
                throw new TemplateSyntaxException("cannot assign to '$'", start.Line, start.Column);
            }

            if (assignment && !IsDeclared(variable))
            {
                throw new TemplateSyntaxException($"undefined variable '${variable}' (declare it with ':=')", start.Line, start.Column);
            }
        }

        var head = ParseOr();
        var commands = new List<CallExpr>();
        while (Peek().Kind == TokenKind.Pipe)
        {
            Next();
            var fn = Next();
            if (fn.Kind != TokenKind.Ident || Reserved.Contains(fn.Text) && fn.Text is not ("and" or "or" or "not"))
            {
                throw new TemplateSyntaxException($"expected a function name after '|', found {fn}", fn.Line, fn.Column);
            }

            CheckFunction(fn);
            commands.Add(new CallExpr(fn.Text, ParseArguments(), fn.Line, fn.Column));
        }

        if (variable is not null && !assignment)
        {
            Declare(variable);
        }

        return new PipelineNode(variable, assignment, head, commands, start.Line, start.Column);
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Peek().IsIdent("or"))
        {
            var op = Next();
            left = new BinaryExpr("or", left, ParseAnd(), op.Line, op.Column);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseComparison();
        while (Peek().IsIdent("and"))
        {
            var op = Next();
            left = new BinaryExpr("and", left, ParseComparison(), op.Line, op.Column);
        }

        return left;
    }

    private Expr ParseComparison()
    {
        var left = ParseUnary();
        var t = Peek();
        if (t.Kind == TokenKind.Operator || t.IsIdent("in"))
        {
            Next();
            left = new BinaryExpr(t.Text, left, ParseUnary(), t.Line, t.Column);
            var again = Peek();
            if (again.Kind == TokenKind.Operator || again.IsIdent("in"))
            {
                throw new TemplateSyntaxException($"comparisons cannot be chained; add parentheses before {again}", again.Line, again.Column);
            }
        }

        return left;
    }

    private Expr ParseUnary()
    {
        var t = Peek();
        if (t.IsIdent("not"))
        {
            Next();
            if (!IsArgumentStart(Peek()) && !Peek().IsIdent("not"))
            {
                throw new TemplateSyntaxException($"expected an operand after 'not', found {Peek()}", Peek().Line, Peek().Column);
            }

            return new UnaryExpr("not", ParseUnary(), t.Line, t.Column);
        }

        if (_bareNames && t.Kind == TokenKind.Ident && !Reserved.Contains(t.Text) && !Functions.IsKnown(t.Text))
        {
            return ParsePrimary();
        }

        if (t.Kind == TokenKind.Ident && !Reserved.Contains(t.Text) || t.IsIdent("and") || t.IsIdent("or"))
        {
            CheckFunction(t);
            Next();
            return new CallExpr(t.Text, ParseArguments(), t.Line, t.Column);
        }

        return ParsePrimary();
    }

    private List<Expr> ParseArguments()
    {
        var args = new List<Expr>();
        while (IsArgumentStart(Peek()))
        {
            args.Add(ParsePrimary());
        }

        return args;
    }

    private static bool IsArgumentStart(Token t) => t.Kind switch
    {
        TokenKind.String or TokenKind.Number or TokenKind.Field or TokenKind.Dot or TokenKind.Variable
            or TokenKind.LParen or TokenKind.LBracket => true,
        TokenKind.Ident => t.Text is "true" or "false" or "null" or "nil" || !Reserved.Contains(t.Text),
        _ => false,
    };

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.String or TokenKind.Number:
                return new LiteralExpr(t.Value, t.Line, t.Column);
            case TokenKind.Ident when t.Text is "true" or "false":
                return new LiteralExpr(t.Text == "true", t.Line, t.Column);
            case TokenKind.Ident when t.Text is "null" or "nil":
                return new LiteralExpr(null, t.Line, t.Column);
            case TokenKind.Ident when _bareNames && !Reserved.Contains(t.Text) && !Functions.IsKnown(t.Text):
                Reference(t.Text, t);
                return new FieldExpr([t.Text], t.Line, t.Column);
            case TokenKind.Ident when !Reserved.Contains(t.Text):
                CheckFunction(t);
                return new CallExpr(t.Text, [], t.Line, t.Column);
            case TokenKind.Dot:
                return new DotExpr(t.Line, t.Column);
            case TokenKind.Field:
                if (_dotRebound == 0)
                {
                    Reference(t.Path[0], t);
                }

                return new FieldExpr(t.Path, t.Line, t.Column);
            case TokenKind.Variable:
                var name = (string)t.Value!;
                if (name.Length == 0)
                {
                    if (t.Path.Count > 0)
                    {
                        Reference(t.Path[0], t);
                    }
                }
                else if (!IsDeclared(name))
                {
                    throw new TemplateSyntaxException($"undefined variable '${name}'", t.Line, t.Column);
                }

                return new VariableExpr(name, t.Path, t.Line, t.Column);
            case TokenKind.LParen:
                if (Peek().Kind == TokenKind.RParen)
                {
                    throw new TemplateSyntaxException("empty parentheses", t.Line, t.Column);
                }

                var inner = ParsePipeline(allowDeclaration: false);
                Expect(TokenKind.RParen, "')'");
                IReadOnlyList<string> path = Peek().Kind == TokenKind.Field && !Peek().SpaceBefore ? Next().Path : [];
                return new ParenExpr(inner, path, t.Line, t.Column);
            case TokenKind.LBracket:
                var items = new List<Expr>();
                if (Peek().Kind != TokenKind.RBracket)
                {
                    items.Add(ParseOr());
                    while (Peek().Kind == TokenKind.Comma)
                    {
                        Next();
                        items.Add(ParseOr());
                    }
                }

                Expect(TokenKind.RBracket, "']' or ','");
                return new ListExpr(items, t.Line, t.Column);
            default:
                throw new TemplateSyntaxException(
                    t.Kind == TokenKind.End ? "unexpected end of action; expected a value" : $"unexpected {t}", t.Line, t.Column);
        }
    }

    private static void CheckFunction(Token t)
    {
        if (!Functions.IsKnown(t.Text))
        {
            var hint = EditDistance.Hint(t.Text, Functions.Names);
            throw new TemplateSyntaxException(
                hint.Length > 0 ? $"unknown function '{t.Text}'{hint}" : $"unknown function '{t.Text}' (to read a value write '.{t.Text}')",
                t.Line, t.Column);
        }
    }
}
