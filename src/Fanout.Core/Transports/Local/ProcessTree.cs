using System.Globalization;

namespace Fanout.Transports.Local;

/// <summary>Reads the process tree from <c>/proc</c> (Linux).</summary>
internal static class ProcessTree
{
    /// <summary>Returns <paramref name="root"/> and every descendant alive now, parents first.</summary>
    public static List<int> Snapshot(int root)
    {
        var children = new Dictionary<int, List<int>>();
        try
        {
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                    || ReadParent(pid) is not { } parent)
                {
                    continue;
                }

                if (!children.TryGetValue(parent, out List<int>? list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
        }
        catch (IOException)
        {
            // No /proc: only the root is known.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }

        var result = new List<int> { root };
        for (int i = 0; i < result.Count; i++)
        {
            if (children.TryGetValue(result[i], out List<int>? list))
            {
                result.AddRange(list);
            }
        }

        return result;
    }

    private static int? ReadParent(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            ReadOnlySpan<char> rest = stat.AsSpan(stat.LastIndexOf(')') + 2);
            rest = rest[(rest.IndexOf(' ') + 1)..];
            int end = rest.IndexOf(' ');
            return int.TryParse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid) ? ppid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
