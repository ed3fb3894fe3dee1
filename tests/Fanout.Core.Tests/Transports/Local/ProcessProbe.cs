namespace Fanout.Core.Tests.Transports.Local;

/// <summary>Looks at /proc to tell whether processes are still alive (zombies count as dead).</summary>
internal static class ProcessProbe
{
    public static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 3, after the parenthesised command name, is the state.
            string afterName = stat[(stat.LastIndexOf(')') + 2)..];
            return afterName[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (bounded) until every pid is dead; returns the ones still alive.</summary>
    public static async Task<int[]> WaitDeadAsync(IEnumerable<int> pids, TimeSpan limit)
    {
        int[] all = pids.ToArray();
        DateTime end = DateTime.UtcNow + limit;
        while (true)
        {
            int[] alive = all.Where(IsAlive).ToArray();
            if (alive.Length == 0 || DateTime.UtcNow > end)
            {
                return alive;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="path"/> holds <paramref name="lines"/> pid lines.</summary>
    public static async Task<int[]> ReadPidsAsync(string path, int lines, TimeSpan limit)
    {
        DateTime end = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < end)
        {
            if (File.Exists(path))
            {
                string[] parts = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).ToArray();
                if (parts.Length >= lines)
                {
                    return parts.Select(p => int.Parse(p.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{path} did not get {lines} pids");
    }
}
