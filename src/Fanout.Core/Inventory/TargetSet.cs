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

    /// <inheritdoc />
    public Target this[int index] => _targets[index];

    /// <inheritdoc />
    public int Count => _targets.Count;

    /// <inheritdoc />
    public IEnumerator<Target> GetEnumerator() => _targets.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
