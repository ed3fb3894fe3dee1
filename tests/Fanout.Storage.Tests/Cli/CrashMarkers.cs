namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Helpers of the crash tests (kill -9 of <c>fanout</c>, then resume): each target appends its name to a marker file, and
/// the tests count how often each target ran.
/// </summary>
internal static class CrashMarkers
{
    /// <summary>The lines of <paramref name="path"/> (empty when it does not exist yet), read while targets may still append.</summary>
    public static string[] Lines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    /// <summary>How many times each line (target) appears in <paramref name="path"/>.</summary>
    public static Dictionary<string, int> Count(string path) =>
        Lines(path).GroupBy(l => l, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>
    /// Target processes run in their own sessions, so they outlive the killed fanout: waits until no process whose
    /// command line contains <paramref name="marker"/> is left.
    /// </summary>
    public static async Task WaitForOrphansAsync(string marker)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Directory.EnumerateDirectories("/proc").Any(d => IsOrphan(d, marker)))
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    private static bool IsOrphan(string procDir, string marker)
    {
        try
        {
            return int.TryParse(Path.GetFileName(procDir), out int pid) && pid != Environment.ProcessId
                && File.ReadAllText(Path.Combine(procDir, "cmdline")).Contains(marker, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the process ended while we looked
        }
    }
}
