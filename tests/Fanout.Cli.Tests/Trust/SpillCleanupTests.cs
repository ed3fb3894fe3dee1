namespace Fanout.Cli.Tests.Trust;

/// <summary>
/// Issue 11: the spill files of long outputs (under TMPDIR/fanout/spill) do not pile up — a run removes its own when its
/// results are written, and the next run removes those of a process that was killed.
/// </summary>
public sealed class SpillCleanupTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 240000)]
    public async Task Exec_LongOutput_SpillFilesAreGoneAfterTheRun_AndAKilledRunsAreRemovedByTheNext()
    {
        string tmp = Directory.CreateDirectory(Path.Combine(_files.Directory, "tmp")).FullName;
        string spillRoot = Path.Combine(tmp, "fanout", "spill");
        var environment = new Dictionary<string, string> { ["TMPDIR"] = tmp };
        string inventory = _files.WriteInventory(2);

        // A run killed (SIGKILL) while its spill files are open leaves them behind.
        using (var killed = FanoutExe.Start(_files.Directory, environment, "exec", "seq 1 200000; sleep 60", "-i", inventory, "--all", "--yes"))
        {
            while (!Directory.Exists(spillRoot) || !Directory.EnumerateFiles(spillRoot, "*.log", SearchOption.AllDirectories).Any())
            {
                if (killed.Process.HasExited)
                {
                    Assert.Fail("the run ended before it spilled: " + await killed.Stderr);
                }

                await Task.Delay(100);
            }

            killed.Process.Kill(entireProcessTree: true);
            await killed.Process.WaitForExitAsync();
        }

        string left = Assert.Single(Directory.GetDirectories(spillRoot));
        // Older than the minimum age a directory must have before another process may take it for abandoned.
        File.SetLastWriteTimeUtc(Path.Combine(left, ".owner"), DateTime.UtcNow.AddMinutes(-5));

        using var next = FanoutExe.Start(_files.Directory, environment, "exec", "seq 1 200000", "-i", inventory, "--all", "--yes", "--output", "json");
        (int exit, string stdout, string stderr) = await next.WaitAsync(Limit);

        Assert.True(exit == 0, stderr);
        Assert.Contains("\"stdoutBytes\": 1288895", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(left), "the killed run's spill directory is still there");
        Assert.Empty(Directory.GetFileSystemEntries(spillRoot));
    }
}
