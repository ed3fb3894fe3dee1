using System.Collections;
using Fanout.Inventory;

namespace Fanout.Execution;

/// <summary>A read-only view of the names of targets [start, end), allocated once per wave instead of copying names.</summary>
internal sealed class TargetNameList(IReadOnlyList<Target> targets, int start, int end) : IReadOnlyList<string>
{
    public int Count => end - start;

    public string this[int index] => (uint)index < (uint)Count ? targets[start + index].Name : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<string> GetEnumerator()
    {
        for (int i = start; i < end; i++)
        {
            yield return targets[i].Name;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
