using System.Runtime.CompilerServices;

namespace Fanout.Cli.Tests;

/// <summary>
/// Compares text with <c>Snapshots/NAME.verified.txt</c> next to the tests. Set
/// <c>FANOUT_UPDATE_SNAPSHOTS=1</c> to (re)write the files from the current output instead.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string name, string actual, [CallerFilePath] string caller = "")
    {
        string dir = Path.Combine(FindTestsRoot(caller), "Snapshots");
        string path = Path.Combine(dir, name + ".verified.txt");
        string normalized = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (System.Environment.GetEnvironmentVariable("FANOUT_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(path, normalized);
            return;
        }

        Assert.True(File.Exists(path), $"missing snapshot {path}; run with FANOUT_UPDATE_SNAPSHOTS=1 to create it");
        Assert.Equal(File.ReadAllText(path), normalized);
    }

    // A CI build (ContinuousIntegrationBuild) maps source paths to /_/, so the caller's path may not
    // exist on disk; the test assembly's own folder (tests/Fanout.Cli.Tests/bin/...) always does.
    private static string FindTestsRoot(string caller) =>
        FindUp(Path.GetDirectoryName(caller)) ?? FindUp(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"tests project folder not found from {caller} or {AppContext.BaseDirectory}");

    private static string? FindUp(string? dir)
    {
        while (dir is not null && !File.Exists(Path.Combine(dir, "Fanout.Cli.Tests.csproj")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir;
    }
}
