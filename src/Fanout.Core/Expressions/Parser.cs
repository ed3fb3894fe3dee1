namespace Fanout.Expressions;

/// <summary>Recursive-descent parser for templates and bare expressions.</summary>
/// <remarks>
/// Precedence, loosest first: <c>|</c> pipelines, <c>or</c>, <c>and</c>, comparisons and <c>in</c>,
/// prefix <c>not</c>, Go-style calls (<c>fn arg arg</c>), primaries.
/// </remarks>
internal sealed partial class Parser
{
    private static readonly HashSet<string> Reserved = ["and", "or", "not", "in", "if", "else", "end", "range", "true", "false", "null", "nil"];
    private static readonly HashSet<string> Unsupported = ["with", "define", "template", "block", "break", "continue"];

    private readonly List<Segment> _segments;
    private readonly List<HashSet<string>> _scopes = [[]];
    private int _index;
    private int _dotRebound;
    private IReadOnlyList<Token> _tokens = [];
    private int _t;

    private readonly bool _bareNames;

    private Parser(List<Segment> segments, bool bareNames = false)
    {
        _segments = segments;
        _bareNames = bareNames;
    }

    public SortedSet<string> ReferencedNames { get; } = new(StringComparer.Ordinal);

    /// <summary>The first position at which each referenced root name occurs.</summary>
    public Dictionary<string, (int Line, int Column)> NamePositions { get; } = new(StringComparer.Ordinal);

    private void Reference(string name, Token token)
    {
        if (ReferencedNames.Add(name))
        {
            NamePositions[name] = (token.Line, token.Column);
        }
    }

    public static (IReadOnlyList<Node> Nodes, IReadOnlyDictionary<string, (int Line, int Column)> Names) ParseTemplate(string source)
    {
        var parser = new Parser(Lexer.Scan(source));
        var nodes = parser.ParseList(out var terminator);
        if (terminator != "eof")
        {
            var tok = parser._tokens[Math.Max(0, parser._t - 1)];
            throw new TemplateSyntaxException($"unexpected {{{{ {terminator} }}}} without a matching 'if' or 'range'", tok.Line, tok.Column);
        }

        return (nodes, parser.NamePositions);
    }

    public static (IReadOnlyList<Node> Nodes, IReadOnlyDictionary<string, (int Line, int Column)> Names) ParseExpression(string source, bool bareNames)
    {
        var parser = new Parser([], bareNames);
        parser.Begin(Lexer.LexExpression(source));
        if (parser.Peek().Kind == TokenKind.End)
        {
            throw new TemplateSyntaxException("empty expression", 1, 1);
        }

        var pipe = parser.ParsePipeline(allowDeclaration: false);
        parser.ExpectEnd();
        return ([new ActionNode(pipe, pipe.Line, pipe.Column)], parser.NamePositions);
    }

    private List<Node> ParseList(out string terminator)
    {
        var nodes = new List<Node>();
        while (_index < _segments.Count)
        {
            var segment = _segments[_index++];
            if (segment is TextSegment text)
            {
                nodes.Add(new TextNode(text.Text, text.Line, text.Column));
                continue;
            }

            var action = (ActionSegment)segment;
            if (action.IsComment)
            {
                continue;
            }

            Begin(action.Tokens);
            var first = Peek();
            if (first.Kind == TokenKind.End)
            {
                throw new TemplateSyntaxException("empty action '{{ }}'", action.Line, action.Column);
            }

            if (first.IsIdent("end"))
            {
                Next();
                ExpectEnd();
                terminator = "end";
                return nodes;
            }

            if (first.IsIdent("else"))
            {
                Next();
                terminator = "else";
                return nodes;
            }

            if (first.IsIdent("if"))
            {
                nodes.Add(ParseIf(first));
                continue;
            }

            if (first.IsIdent("range"))
            {
                nodes.Add(ParseRange(first));
                continue;
            }

            if (first.Kind == TokenKind.Ident && Unsupported.Contains(first.Text))
            {
                throw new TemplateSyntaxException($"'{first.Text}' is not supported in Fanout templates", first.Line, first.Column);
            }

            var pipe = ParsePipeline(allowDeclaration: true);
            ExpectEnd();
            nodes.Add(new ActionNode(pipe, action.Line, action.Column));
        }

        terminator = "eof";
        return nodes;
    }

    private IfNode ParseIf(Token ifToken)
    {
        Next();
        var branches = new List<IfBranch>();
        List<Node>? elseBody = null;
        PushScope();
        var condition = ParseCondition();
        while (true)
        {
            PushScope();
            var body = ParseList(out var terminator);
            PopScope();
            branches.Add(new IfBranch(condition, body));
            if (terminator == "eof")
            {
                throw new TemplateSyntaxException("'if' is missing its {{ end }}", ifToken.Line, ifToken.Column);
            }

            if (terminator == "end")
            {
                break;
            }

            if (Peek().IsIdent("if"))
            {
                Next();
                condition = ParseCondition();
                continue;
            }

            ExpectEnd();
            PushScope();
            elseBody = ParseList(out terminator);
            PopScope();
            if (terminator != "end")
            {
                throw new TemplateSyntaxException(
                    terminator == "eof" ? "'if' is missing its {{ end }}" : "{{ else }} after {{ else }}", ifToken.Line, ifToken.Column);
            }

            break;
        }

        PopScope();
        return new IfNode(branches, elseBody, ifToken.Line, ifToken.Column);
    }

    private PipelineNode ParseCondition()
    {
        if (Peek().Kind == TokenKind.End)
        {
            throw new TemplateSyntaxException("missing condition", Peek().Line, Peek().Column);
        }

        var pipe = ParsePipeline(allowDeclaration: true);
        ExpectEnd();
        return pipe;
    }

    private RangeNode ParseRange(Token rangeToken)
    {
        Next();
        string? key = null;
        string? value = null;
        if (Peek().Kind == TokenKind.Variable && Peek().Path.Count == 0)
        {
            if (Peek(1).Kind == TokenKind.Comma && Peek(2).Kind == TokenKind.Variable && Peek(3).Kind == TokenKind.Declare)
            {
                key = (string)Next().Value!;
                Next();
                value = (string)Next().Value!;
                Next();
            }
            else if (Peek(1).Kind == TokenKind.Declare)
            {
                value = (string)Next().Value!;
                Next();
            }
        }

        if (Peek().Kind == TokenKind.End)
        {
            throw new TemplateSyntaxException("'range' needs something to iterate over", Peek().Line, Peek().Column);
        }

        var source = ParsePipeline(allowDeclaration: false);
        ExpectEnd();
        PushScope();
        if (key is not null)
        {
            Declare(key);
        }

        if (value is not null)
        {
            Declare(value);
        }

        var rebinds = key is null && value is null;
        _dotRebound += rebinds ? 1 : 0;
        var body = ParseList(out var terminator);
        _dotRebound -= rebinds ? 1 : 0;
        PopScope();
        List<Node>? elseBody = null;
        if (terminator == "else")
        {
            ExpectEnd();
            PushScope();
            elseBody = ParseList(out terminator);
            PopScope();
        }

        if (terminator != "end")
        {
            throw new TemplateSyntaxException("'range' is missing its {{ end }}", rangeToken.Line, rangeToken.Column);
        }

        return new RangeNode(key, value, source, body, elseBody, rangeToken.Line, rangeToken.Column);
    }

    private void Begin(IReadOnlyList<Token> tokens)
    {
        _tokens = tokens;
        _t = 0;
    }

    private Token Peek(int ahead = 0) => _tokens[Math.Min(_t + ahead, _tokens.Count - 1)];

    private Token Next()
    {
        var t = Peek();
        if (_t < _tokens.Count - 1)
        {
            _t++;
        }

        return t;
    }

    private void Expect(TokenKind kind, string what)
    {
        var t = Next();
        if (t.Kind != kind)
        {
            throw new TemplateSyntaxException($"expected {what}, found {t}", t.Line, t.Column);
        }
    }

    private void ExpectEnd()
    {
        var t = Peek();
        if (t.Kind != TokenKind.End)
        {
            throw new TemplateSyntaxException($"unexpected {t}; expected end of action", t.Line, t.Column);
        }
    }

    private void PushScope() => _scopes.Add([]);

    private void PopScope() => _scopes.RemoveAt(_scopes.Count - 1);

    private void Declare(string name) => _scopes[^1].Add(name);

    private bool IsDeclared(string name) => _scopes.Any(s => s.Contains(name));
}
