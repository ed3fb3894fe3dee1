namespace Fanout.Inventory;

/// <summary>A position in an inventory source, for error messages (<c>file:line:col</c>).</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() =>
        Line <= 0 ? File : Column <= 0 ? $"{File}:{Line}" : $"{File}:{Line}:{Column}";
}
