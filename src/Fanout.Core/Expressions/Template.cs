using Fanout.Diagnostics;

namespace Fanout.Expressions;

/// <summary>
/// A parsed Fanout template: text with Go-template-style <c>{{ … }}</c> actions (see docs/workflows.md).
/// Immutable and safe to render concurrently.
/// </summary>
public sealed class Template
{
    private Template(string source, TemplateOrigin origin, IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, (int Line, int Column)> names)
    {
        Source = source;
        Origin = origin;
        Nodes = nodes;
        NamePositions = names;
        ReferencedNames = names.Keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The source text.</summary>
    public string Source { get; }

    /// <summary>Where the source starts in its file.</summary>
    public TemplateOrigin Origin { get; }

    /// <summary>
    /// The root names the template reads (<c>.name</c> outside a dot-rebinding <c>range</c>, and <c>$.name</c>),
    /// found statically; used to warn about names that are neither declared nor built in.
    /// </summary>
    public IReadOnlyCollection<string> ReferencedNames { get; }

    /// <summary>
    /// The names of <see cref="ReferencedNames"/> read only through <c>default</c> (<c>.x | default "none"</c>): they may be
    /// missing without a warning or an error.
    /// </summary>
    public IReadOnlyCollection<string> DefaultedNames => _defaulted ??= DefaultGuards.Find(Nodes);

    private IReadOnlyCollection<string>? _defaulted;

    /// <summary>True when the template has at least one action (otherwise it renders to its source).</summary>
    public bool HasActions => Nodes.Any(n => n is not TextNode);

    internal IReadOnlyList<Node> Nodes { get; }

    internal IReadOnlyDictionary<string, (int Line, int Column)> NamePositions { get; }

    /// <summary>Where in the file <paramref name="name"/> is first referenced (see <see cref="ReferencedNames"/>).</summary>
    public SourcePosition PositionOf(string name) =>
        NamePositions.TryGetValue(name, out var p) ? Origin.Map(p.Line, p.Column) : Origin.Start;

    /// <summary>Parses template text. Never throws for bad input: a syntax error is returned with its file position.</summary>
    /// <param name="source">The template text.</param>
    /// <param name="origin">Where the text starts in its file; defaults to <see cref="TemplateOrigin.None"/>.</param>
    public static TemplateParseResult Parse(string source, TemplateOrigin? origin = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        origin ??= TemplateOrigin.None;
        try
        {
            var (nodes, names) = Parser.ParseTemplate(source);
            return new TemplateParseResult(new Template(source, origin, nodes, names), null);
        }
        catch (TemplateSyntaxException ex)
        {
            return new TemplateParseResult(null, Diagnostic.Error(origin.Map(ex.Line, ex.Column), ex.Message));
        }
    }

    /// <summary>
    /// Parses a condition or expression: either a bare expression (<c>.env == 'prod' and .replicas &gt; 2</c>) or a
    /// template (<c>{{ eq .env "prod" }}</c>). <see cref="Evaluate"/> then returns the expression's value.
    /// </summary>
    /// <param name="source">The expression text.</param>
    /// <param name="origin">Where the text starts in its file.</param>
    /// <param name="bareNames">
    /// When true, a bare identifier that is not a function reads the root name of that name (so
    /// <c>deployment_duration &gt; 1800</c> means <c>.deployment_duration &gt; 1800</c>); used for monitoring alert conditions.
    /// The default value is false.
    /// </param>
    public static TemplateParseResult ParseExpression(string source, TemplateOrigin? origin = null, bool bareNames = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Contains("{{", StringComparison.Ordinal))
        {
            return Parse(source, origin);
        }

        origin ??= TemplateOrigin.None;
        try
        {
            var (nodes, names) = Parser.ParseExpression(source, bareNames);
            return new TemplateParseResult(new Template(source, origin, nodes, names), null);
        }
        catch (TemplateSyntaxException ex)
        {
            return new TemplateParseResult(null, Diagnostic.Error(origin.Map(ex.Line, ex.Column), ex.Message));
        }
    }

    /// <summary>Renders the template to text.</summary>
    /// <param name="context">The values the template reads.</param>
    /// <param name="mode">
    /// <see cref="RenderMode.Plain"/> (default) or <see cref="RenderMode.Shell"/> for <c>command</c>/<c>script</c>
    /// text, where every action's value is shell-quoted unless wrapped in <c>raw</c>.
    /// </param>
    /// <returns>The text, or an error (undefined name, type error …) with its file position.</returns>
    public TemplateResult Render(TemplateContext context, RenderMode mode = RenderMode.Plain)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var text = new Evaluator(context, mode).Render(Nodes);
            return new TemplateResult(text, text, null);
        }
        catch (TemplateSyntaxException ex)
        {
            return new TemplateResult(null, null, Diagnostic.Error(Origin.Map(ex.Line, ex.Column), ex.Message));
        }
    }

    /// <summary>
    /// Evaluates the template to a value: when it is a single action (surrounding whitespace aside) the action's value
    /// itself (a list stays a list, a boolean a boolean); otherwise the rendered text.
    /// </summary>
    public TemplateResult Evaluate(TemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var significant = Nodes.Where(n => n is not TextNode t || !string.IsNullOrWhiteSpace(t.Text)).ToList();
        if (significant is not [ActionNode { Pipeline.Variable: null } action])
        {
            return Render(context);
        }

        try
        {
            var value = new Evaluator(context, RenderMode.Plain).Evaluate(action);
            return new TemplateResult(TemplateValues.ToText(value), value, null);
        }
        catch (TemplateSyntaxException ex)
        {
            return new TemplateResult(null, null, Diagnostic.Error(Origin.Map(ex.Line, ex.Column), ex.Message));
        }
    }

    /// <summary>Prints the template back to canonical source (comments and trim markers are not kept).</summary>
    public override string ToString() => AstPrinter.Print(Nodes);
}
