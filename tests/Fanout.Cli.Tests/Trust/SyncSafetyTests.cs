using System.Text.Json;

namespace Fanout.Cli.Tests.Trust;

/// <summary>Issue 10 item 1: sync never deletes what it was told to keep, asks before deleting, refuses system directories, and shows its figures.</summary>
public sealed class SyncSafetyTests : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    private (string Inventory, string Source, string Dest) Layout()
    {
        string inventory = _files.WriteInventory(1);
        string src = Path.Combine(_files.Directory, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "app.conf"), "new\n");
        string dest = Path.Combine(_files.Directory, "dest");
        Directory.CreateDirectory(Path.Combine(dest, "keepdir", "deep"));
        File.WriteAllText(Path.Combine(dest, "keepdir", "deep", "data.db"), "precious");
        File.WriteAllText(Path.Combine(dest, "keepdir", "top.txt"), "precious");
        File.WriteAllText(Path.Combine(dest, "stale.txt"), "old");
        return (inventory, src, dest);
    }

    [Fact(Timeout = 120000)]
    public async Task Item01_SyncDelete_KeepsAnExcludedDirectoryWithEverythingUnderIt()
    {
        (string inventory, string src, string dest) = Layout();

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "sync", src, dest, "-i", inventory, "--all", "--yes", "--delete", "--exclude-files", "keepdir");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dest, "keepdir", "deep", "data.db")));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dest, "keepdir", "top.txt")));
        Assert.False(File.Exists(Path.Combine(dest, "stale.txt")));
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(dest, "app.conf")));
    }

    [Fact(Timeout = 120000)]
    public async Task Item01_SyncDelete_WithoutYesOrTerminal_RefusesAndDeletesNothing()
    {
        (string inventory, string src, string dest) = Layout();

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "sync", src, dest, "-i", inventory, "--pattern", "node-01", "--delete");

        Assert.Equal(2, exit);
        Assert.Contains("--yes", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dest, "stale.txt")));
        Assert.False(File.Exists(Path.Combine(dest, "app.conf")));
    }

    [Theory(Timeout = 120000)]
    [InlineData("/")]
    [InlineData("/etc")]
    [InlineData("//usr/")]
    public async Task Item01_SyncToRootOrSystemDirectory_NeedsForce(string destination)
    {
        (string inventory, string src, _) = Layout();

        var (exit, _, stderr) = await FanoutExe.RunAsync(_files.Directory, "sync", src, destination, "-i", inventory, "--pattern", "node-01", "--yes", "--dry-run");

        Assert.Equal(2, exit);
        Assert.Contains("--force", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Item01_SyncDryRun_ListsPerTargetWhatWouldChangeAndTouchesNothing()
    {
        (string inventory, string src, string dest) = Layout();

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "sync", src, dest, "-i", inventory, "--pattern", "node-01", "--delete", "--dry-run");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("node-01 | would copy app.conf (4 bytes)", stdout, StringComparison.Ordinal);
        Assert.Contains("node-01 | would delete keepdir", stdout, StringComparison.Ordinal);
        Assert.Contains("node-01 | would delete stale.txt", stdout, StringComparison.Ordinal);
        Assert.Contains("dry run: 1 copied, 0 skipped, 2 deleted", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dest, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(dest, "keepdir", "deep", "data.db")));
        Assert.False(File.Exists(Path.Combine(dest, "app.conf")));
    }

    [Fact(Timeout = 120000)]
    public async Task Item01_SyncFigures_AppearInTableAndJson()
    {
        (string inventory, string src, string dest) = Layout();
        File.WriteAllText(Path.Combine(src, "same.txt"), "same");
        File.WriteAllText(Path.Combine(dest, "same.txt"), "same");

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "sync", src, dest, "-i", inventory, "--pattern", "node-01", "-o", "json");
        File.WriteAllText(Path.Combine(src, "app.conf"), "newer\n");
        var (tableExit, table, _) = await FanoutExe.RunAsync(_files.Directory, "sync", src, dest, "-i", inventory, "--pattern", "node-01");

        Assert.True(exit == 0, stdout + stderr);
        JsonElement data = JsonDocument.Parse(stdout).RootElement.GetProperty("targets")[0].GetProperty("data");
        Assert.Equal(1, data.GetProperty("filesCopied").GetInt32());
        Assert.Equal(1, data.GetProperty("filesSkipped").GetInt32());
        Assert.Equal(0, data.GetProperty("filesDeleted").GetInt32());
        Assert.Equal(4, data.GetProperty("bytesCopied").GetInt64());
        Assert.Equal(0, tableExit);
        Assert.Contains("1 copied, 1 skipped, 0 deleted, 6 B", table, StringComparison.Ordinal);
    }
}
