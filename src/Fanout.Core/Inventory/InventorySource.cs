namespace Fanout.Inventory;

/// <summary>The source being read into an <see cref="InventoryBuilder"/>: its name and merge rights.</summary>
internal sealed class InventorySource
{
    public InventorySource(string name, int index, bool isOverride)
    {
        Name = name;
        Index = index;
        IsOverride = isOverride;
    }

    /// <summary>The path or spec, as used in error messages.</summary>
    public string Name { get; }

    /// <summary>The position of the source in the <c>-i</c> list; later sources have higher indexes.</summary>
    public int Index { get; }

    /// <summary>Whether this source may replace fields that earlier sources set differently.</summary>
    public bool IsOverride { get; set; }

    public SourceLocation At(int line = 0, int column = 0) => new(Name, line, column);
}
