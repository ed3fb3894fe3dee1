namespace Fanout.Inventory;

/// <summary>
/// An ordered, deduplicated set of targets: what a selection resolved to. Order is the
/// inventory's order, so runs and outputs are stable.
/// </summary>
public sealed class TargetSet : IReadOnlyList<Target>
{
    private readonly List<Target> _targets;

    /// <summary>Creates a set, keeping the first of any targets with the same name.</summary>
    public TargetSet(IEnumerable<Target> targets)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        _targets = [];
        foreach (Target t in targets)
        {
            if (seen.Add(t.Name))
            {
                _targets.Add(t);
            }
        }
    }

    /// <summary>
    /// Warnings from the selection that produced this set: each selector part that matched no target
    /// (a likely typo, SPEC T5). Empty when every part matched or the set was not selected.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <inheritdoc />
    public Target this[int index] => _targets[index];

    /// <inheritdoc />
    public int Count => _targets.Count;

    /// <inheritdoc />
    public IEnumerator<Target> GetEnumerator() => _targets.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
