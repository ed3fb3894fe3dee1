using System.Security.Cryptography;
using System.Text.Json;
using Fanout.Core.Tests.Transports.Ssh;
using Fanout.Transports.Local;

namespace Fanout.Cli.Tests.Trust;

/// <summary>Issue 10 items 2, 8 and 12 over a real sshd on 127.0.0.1, through the real executable.</summary>
[Collection(SshdCollection.Name)]
public sealed class SshTrustTests(SshdFixture f) : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    private string[] Ssh => ["--ssh-config", f.SshConfig, "--known-hosts", f.KnownHosts, "--kex", "curve25519-sha256", "--connect-timeout", "10s"];

    private string Inventory(int count) => _files.WriteFile("inventory.yaml",
        "targets:\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"  web-{i:00}: {{ transport: ssh, groups: [web], tags: {{ role: api }} }}\n")));

    [Fact(Timeout = 180000)]
    public async Task Item01_SshSyncDelete_KeepsAnExcludedDirectoryWithEverythingUnderIt()
    {
        string inventory = Inventory(1);
        string src = Path.Combine(_files.Directory, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "app.conf"), "new\n");
        string dest = Path.Combine(f.Dir, "keep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dest, "keepdir", "deep"));
        File.WriteAllText(Path.Combine(dest, "keepdir", "deep", "data.db"), "precious");
        File.WriteAllText(Path.Combine(dest, "keepdir", "top.txt"), "precious");
        File.WriteAllText(Path.Combine(dest, "stale.txt"), "old");

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, ["sync", src, dest, "-i", inventory, "--pattern", "web-01", "--yes", "--delete", "--exclude-files", "keepdir", .. Ssh]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dest, "keepdir", "deep", "data.db")));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dest, "keepdir", "top.txt")));
        Assert.False(File.Exists(Path.Combine(dest, "stale.txt")));
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(dest, "app.conf")));
    }

    [Fact(Timeout = 300000)]
    public async Task Item02_KillNineDuringSshSync_LeavesNoTruncatedFileUnderAFinalName_AndTheNextSyncCleansUp()
    {
        string inventory = Inventory(1);
        string src = Path.Combine(_files.Directory, "src");
        Directory.CreateDirectory(src);
        string dest = Path.Combine(f.Dir, "crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dest);
        var fresh = new Dictionary<string, byte[]>();
        for (int i = 0; i < 6; i++)
        {
            string name = $"blob{i}.bin";
            fresh[name] = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);
            File.WriteAllBytes(Path.Combine(src, name), fresh[name]);
            File.WriteAllText(Path.Combine(dest, name), "intact older version");
        }

        string[] args = ["sync", src, dest, "-i", inventory, "--pattern", "web-01", "--timeout", "200s", .. Ssh];
        using (FanoutExe sync = FanoutExe.Start(_files.Directory, null, args))
        {
            // Kill -9 as soon as the remote side writes file data.
            while (!sync.Process.HasExited && !Directory.EnumerateFiles(dest, "*.fanout-tmp-*").Any(p => new FileInfo(p).Length > 0))
            {
                await Task.Delay(20);
            }

            Assert.False(sync.Process.HasExited, "the sync finished before it could be killed: " + await sync.Stderr);
            sync.Process.Kill();
            await sync.Process.WaitForExitAsync();
        }

        await Task.Delay(1000); // let the remote tar notice the end of its input
        foreach ((string name, byte[] content) in fresh)
        {
            byte[] onDisk = File.ReadAllBytes(Path.Combine(dest, name));
            Assert.True(onDisk.AsSpan().SequenceEqual("intact older version"u8) || onDisk.AsSpan().SequenceEqual(content),
                $"{name} is neither the old nor the new file ({onDisk.Length} bytes)");
        }

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, args);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Empty(Directory.EnumerateFiles(dest, "*.fanout-tmp-*", SearchOption.AllDirectories));
        foreach ((string name, byte[] content) in fresh)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(dest, name)).AsSpan().SequenceEqual(content), name);
        }
    }

    [Fact(Timeout = 180000)]
    public async Task Item08_SecondCtrlCOverSsh_KillsEveryRemoteProcessGroupAndStillWritesJson()
    {
        string inventory = Inventory(6);
        string pids = Path.Combine(_files.Directory, "pids");
        Directory.CreateDirectory(pids);

        // The remote commands ignore SIGTERM, so only the forced kill can end them.
        using FanoutExe run = FanoutExe.Start(_files.Directory, null,
            ["exec", "-i", inventory, "--all", "--yes", "-o", "json", "-p", "6", .. Ssh, "--", $"trap '' TERM; sleep 300 & echo $! > {pids}/$FANOUT_TARGET.pid; wait; wait"]);
        List<int> remote = await FanoutExe.WaitForPidFilesAsync(pids, "*.pid", 6, TimeSpan.FromSeconds(90));
        Assert.All(remote, pid => Assert.True(FanoutExe.IsAlive(pid)));

        Signals.Send(run.Process.Id, 2);
        await Task.Delay(300);
        Signals.Send(run.Process.Id, 2);
        // Generous: under a loaded 2-core machine the forced stop's kill channels and the JSON still take a while.
        var (exit, stdout, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exit == 130, $"exit {exit}: {stderr}");
        await WaitUntilGoneAsync(remote);
        Assert.All(remote, pid => Assert.False(FanoutExe.IsAlive(pid), $"remote process {pid} is still running"));
        JsonElement doc = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(6, doc.GetProperty("summary").GetProperty("total").GetInt32());
        Assert.Equal(6, doc.GetProperty("summary").GetProperty("cancelled").GetInt32());
    }

    [Fact(Timeout = 120000)]
    public async Task Item12_FanoutVariables_AreSetOverSsh()
    {
        string inventory = Inventory(2);

        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory,
            ["exec", "-i", inventory, "--all", "--yes", .. Ssh, "--", "echo \"target=$FANOUT_TARGET groups=$FANOUT_GROUPS role=$FANOUT_TAG_ROLE\"; python3 -c 'import os; print(\"py=\" + os.environ[\"FANOUT_TARGET\"])'"]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("web-01 | target=web-01 groups=web role=api", stdout, StringComparison.Ordinal);
        Assert.Contains("web-02 | target=web-02 groups=web role=api", stdout, StringComparison.Ordinal);
        Assert.Contains("web-02 | py=web-02", stdout, StringComparison.Ordinal);
    }

    internal static async Task WaitUntilGoneAsync(IEnumerable<int> pids)
    {
        for (int i = 0; i < 50 && pids.Any(FanoutExe.IsAlive); i++)
        {
            await Task.Delay(100);
        }
    }
}
