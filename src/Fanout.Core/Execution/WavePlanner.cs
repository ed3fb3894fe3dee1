namespace Fanout.Execution;

/// <summary>Splits a selection into waves (SPEC X3), like Ansible's <c>serial</c>.</summary>
internal static class WavePlanner
{
    /// <summary>
    /// Returns the end index (exclusive) of each wave. A percentage is of the whole selection,
    /// rounded down but at least 1; a count of 0 means "all remaining"; the last entry repeats.
    /// </summary>
    public static int[] Plan(IReadOnlyList<WaveSize> sizes, int total)
    {
        if (total == 0)
        {
            return [];
        }

        if (sizes.Count == 0)
        {
            return [total];
        }

        var ends = new List<int>();
        int done = 0;
        int entry = 0;
        while (done < total)
        {
            WaveSize size = sizes[Math.Min(entry, sizes.Count - 1)];
            entry++;
            int count = size.IsPercent ? Math.Max(1, (int)((long)size.Value * total / 100)) : size.Value;
            if (count <= 0)
            {
                count = total - done;
            }

            done = Math.Min(total, done + count);
            ends.Add(done);
        }

        return [.. ends];
    }
}
