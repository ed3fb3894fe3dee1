using System.Diagnostics;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Core.Tests.Output;

/// <summary>Spill files (SPEC X12) are removed when the run's results are written, and those of dead processes by the next run — only Fanout's own, abandoned ones.</summary>
public sealed class SpillDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fanout-spill-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 60000)]
    public async Task DeleteSpillFiles_AfterARunThatSpilled_RemovesItsDirectory_OutputsKeepTheirWindow()
    {
        var options = new ExecutionOptions { SpillDirectory = _root, OutputCap = 4096 };
        var executor = new BatchExecutor(options, new TransportRegistry().Register(new LocalTransport()));

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh("seq 1 20000")), [new Target { Name = "big", Transport = TransportNames.Local }]);

        CapturedOutput stdout = result.Outcomes[0].Stdout;
        string directory = Path.GetDirectoryName(stdout.SpillPath)!;
        Assert.True(File.Exists(stdout.SpillPath));
        Assert.True(File.Exists(Path.Combine(directory, SpillDirectory.OwnerFile)));

        result.DeleteSpillFiles();

        Assert.False(Directory.Exists(directory));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
        Assert.StartsWith("1\n2\n", stdout.Text, StringComparison.Ordinal);
        Assert.EndsWith("19999\n20000\n", stdout.Text, StringComparison.Ordinal);
        result.DeleteSpillFiles(); // idempotent
    }

    [Fact(Timeout = 60000)]
    public async Task RemoveStale_TakesOnlyOldDirectoriesOfDeadOwners()
    {
        // First: the first directory of the process under a root sweeps it.
        using SpillDirectory mine = SpillDirectory.Create(_root, "live-run");
        File.SetLastWriteTimeUtc(Path.Combine(mine.FullPath, SpillDirectory.OwnerFile), DateTime.UtcNow.AddHours(-2));
        int dead = await DeadPidAsync();
        string abandoned = Owned("abandoned", $"{dead} {Environment.MachineName}", TimeSpan.FromHours(2));
        string young = Owned("young", $"{dead} {Environment.MachineName}", TimeSpan.Zero);
        string elsewhere = Owned("elsewhere", $"{dead} some-other-host", TimeSpan.FromHours(2));
        string notOurs = Directory.CreateDirectory(Path.Combine(_root, "not-ours")).FullName;
        File.WriteAllText(Path.Combine(notOurs, "data.log"), "x");
        Directory.SetLastWriteTimeUtc(notOurs, DateTime.UtcNow.AddDays(-3));

        int removed = SpillDirectory.RemoveStale(_root, SpillDirectory.MinStaleAge);

        Assert.Equal(1, removed);
        Assert.False(Directory.Exists(abandoned));
        Assert.True(Directory.Exists(young));       // its owner may be between creating and locking it
        Assert.True(Directory.Exists(elsewhere));   // another host's process: not ours to judge
        Assert.True(Directory.Exists(notOurs));     // no owner file: not made by Fanout
        Assert.True(Directory.Exists(mine.FullPath)); // locked by this process
    }

    [Fact(Timeout = 60000)]
    public async Task RemoveStale_LeavesADirectoryWhileAnotherProcessHoldsItsLock_AndTakesItAfterThatProcessDied()
    {
        // The owner named in the file is long gone: the lock held by another process alone must keep the directory.
        string held = Owned("held", $"{await DeadPidAsync()} {Environment.MachineName}", TimeSpan.FromHours(2));
        string ready = Path.Combine(_root, "locked");
        var start = new ProcessStartInfo("flock") { UseShellExecute = false };
        // -o: only flock itself holds the lock (its child sh/sleep do not inherit it), so the lock is free once flock has exited.
        foreach (string a in new[] { "--exclusive", "-o", Path.Combine(held, SpillDirectory.OwnerFile), "sh", "-c", $"touch {ready}; sleep 60" })
        {
            start.ArgumentList.Add(a);
        }

        using (Process holder = Process.Start(start)!)
        {
            while (!File.Exists(ready))
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, SpillDirectory.RemoveStale(_root, SpillDirectory.MinStaleAge));
            Assert.True(Directory.Exists(held));
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        Assert.Equal(1, SpillDirectory.RemoveStale(_root, SpillDirectory.MinStaleAge));
        Assert.False(Directory.Exists(held));
    }

    private string Owned(string name, string owner, TimeSpan age)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "t.1.stdout.log"), "spilled");
        string file = Path.Combine(directory, SpillDirectory.OwnerFile);
        File.WriteAllText(file, owner + "\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow - age);
        return directory;
    }

    private static async Task<int> DeadPidAsync()
    {
        using Process process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
