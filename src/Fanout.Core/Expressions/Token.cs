namespace Fanout.Expressions;

internal enum TokenKind
{
    String,
    Number,
    Ident,
    Dot,
    Field,
    Variable,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Pipe,
    Declare,
    Assign,
    Operator,
    End,
}

/// <summary>One lexed token of an action. <see cref="Path"/> holds field names for Field/Variable tokens.</summary>
internal sealed record Token(TokenKind Kind, string Text, object? Value, IReadOnlyList<string> Path, int Line, int Column, bool SpaceBefore)
{
    public bool IsIdent(string name) => Kind == TokenKind.Ident && Text == name;

    public override string ToString() => Kind == TokenKind.End ? "end of action" : $"'{Text}'";
}
