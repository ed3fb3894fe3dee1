namespace Fanout.Expressions;

// The template AST. Positions (Line, Column) are relative to the template source; TemplateOrigin maps them
// into the file. Kept together in one file because the node types only make sense as a set.

internal abstract record Node(int Line, int Column);

internal sealed record TextNode(string Text, int Line, int Column) : Node(Line, Column);

/// <summary>An action that writes its pipeline's value (or, with a declaration, only assigns it).</summary>
internal sealed record ActionNode(PipelineNode Pipeline, int Line, int Column) : Node(Line, Column);

internal sealed record IfBranch(PipelineNode Condition, IReadOnlyList<Node> Body);

internal sealed record IfNode(IReadOnlyList<IfBranch> Branches, IReadOnlyList<Node>? Else, int Line, int Column) : Node(Line, Column);

/// <summary>
/// <c>range $k, $v := p</c>, <c>range $v := p</c> (dot unchanged) or <c>range p</c> (dot rebound to each element).
/// </summary>
internal sealed record RangeNode(string? KeyVariable, string? ValueVariable, PipelineNode Source, IReadOnlyList<Node> Body, IReadOnlyList<Node>? Else, int Line, int Column)
    : Node(Line, Column);

/// <summary>A pipeline: optional <c>$x :=</c>/<c>$x =</c>, a head expression, then <c>| fn args</c> commands.</summary>
internal sealed record PipelineNode(string? Variable, bool IsAssignment, Expr Head, IReadOnlyList<CallExpr> Commands, int Line, int Column)
    : Node(Line, Column);

internal abstract record Expr(int Line, int Column) : Node(Line, Column);

internal sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line, int Column) : Expr(Line, Column);

internal sealed record DotExpr(int Line, int Column) : Expr(Line, Column);

/// <summary><c>.a.b</c> on the current dot.</summary>
internal sealed record FieldExpr(IReadOnlyList<string> Path, int Line, int Column) : Expr(Line, Column);

/// <summary><c>$x.a.b</c>; Name is empty for the root variable <c>$</c>.</summary>
internal sealed record VariableExpr(string Name, IReadOnlyList<string> Path, int Line, int Column) : Expr(Line, Column);

/// <summary><c>( pipeline ).a.b</c>.</summary>
internal sealed record ParenExpr(PipelineNode Inner, IReadOnlyList<string> Path, int Line, int Column) : Expr(Line, Column);

internal sealed record CallExpr(string Name, IReadOnlyList<Expr> Arguments, int Line, int Column) : Expr(Line, Column);

internal sealed record UnaryExpr(string Operator, Expr Operand, int Line, int Column) : Expr(Line, Column);

internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
