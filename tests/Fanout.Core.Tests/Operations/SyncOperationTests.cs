using Fanout.Core.Tests.Transports.Ssh;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Operations;

[Collection(SshdCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SyncOperationTests(SshdFixture f)
{
    private static readonly UnixFileMode Exec = (UnixFileMode)Convert.ToInt32("750", 8);

    [Theory(Timeout = 60000)]
    [InlineData("ssh")]
    [InlineData("local")]
    public async Task ExecuteAsync_CopiesSkipsDeletesExcludesAndKeepsModes(string transportName)
    {
        string src = MakeSource();
        string dest = Path.Combine(f.Dir, "dest-" + Guid.NewGuid().ToString("N"), "app");
        ITransport transport = transportName == "ssh" ? new SshTransport(Options(f)) : new Fanout.Transports.Local.LocalTransport();
        await using ISession session = await transport.OpenAsync(transportName == "ssh" ? Direct(f) : new Fanout.Inventory.Target { Name = "local" }, CancellationToken.None);
        var context = new SessionOperationContext(session);

        OperationResult first = await new SyncOperation(new SyncOptions { Source = src, Destination = dest, Excludes = ["*.log"] }).ExecuteAsync(Direct(f), context, CancellationToken.None);

        Assert.True(first.Success, first.Error);
        Assert.Equal(3, first.Data!["filesCopied"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(src, "bin/big.dat")), File.ReadAllBytes(Path.Combine(dest, "bin/big.dat")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.Equal(Exec, File.GetUnixFileMode(Path.Combine(dest, "bin/run.sh")));
        Assert.Equal("a.txt", new FileInfo(Path.Combine(dest, "link")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(dest, "debug.log")));

        // Second run: nothing changed except one file; an extra remote file goes with --delete, excluded ones stay.
        File.WriteAllText(Path.Combine(src, "a.txt"), "HELLO\n");
        File.WriteAllText(Path.Combine(dest, "extra.txt"), "x");
        Directory.CreateDirectory(Path.Combine(dest, "olddir/sub"));
        File.WriteAllText(Path.Combine(dest, "keep.log"), "kept");
        OperationResult second = await new SyncOperation(new SyncOptions { Source = src, Destination = dest, Delete = true, Excludes = ["*.log"] }).ExecuteAsync(Direct(f), context, CancellationToken.None);

        Assert.True(second.Success, second.Error);
        Assert.Equal((1, 2, 2), ((int)second.Data!["filesCopied"]!, (int)second.Data["filesSkipped"]!, (int)second.Data["filesDeleted"]!));
        Assert.Equal(6L, second.Data["bytesCopied"]);
        Assert.Equal("HELLO\n", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.False(File.Exists(Path.Combine(dest, "extra.txt")));
        Assert.False(Directory.Exists(Path.Combine(dest, "olddir")));
        Assert.True(File.Exists(Path.Combine(dest, "keep.log")));
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_SingleFile_WritesDestinationPath()
    {
        string file = Path.Combine(f.Dir, $"one-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "port=1\n");
        string dest = Path.Combine(f.Dir, "single-" + Guid.NewGuid().ToString("N"), "etc", "app.conf");
        await using ISession session = await new SshTransport(Options(f)).OpenAsync(Direct(f), CancellationToken.None);

        OperationResult result = await new SyncOperation(new SyncOptions { Source = file, Destination = dest }).ExecuteAsync(Direct(f), new SessionOperationContext(session), CancellationToken.None);
        OperationResult again = await new SyncOperation(new SyncOptions { Source = file, Destination = dest }).ExecuteAsync(Direct(f), new SessionOperationContext(session), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        Assert.Equal("port=1\n", File.ReadAllText(dest));
        Assert.Equal(1, again.Data!["filesSkipped"]);
    }

    [Theory(Timeout = 30000)]
    [InlineData("/etc/passwd", "absolute target")]
    [InlineData("../../outside", "points outside")]
    public async Task ExecuteAsync_SymlinkEscapingDestination_Refused(string linkTarget, string expected)
    {
        string src = Directory.CreateTempSubdirectory("fanout-sync-esc-").FullName;
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        File.CreateSymbolicLink(Path.Combine(src, "sub", "evil"), linkTarget);
        string dest = Path.Combine(f.Dir, "esc-" + Guid.NewGuid().ToString("N"));
        await using ISession session = await new SshTransport(Options(f)).OpenAsync(Direct(f), CancellationToken.None);

        OperationResult result = await new SyncOperation(new SyncOptions { Source = src, Destination = dest }).ExecuteAsync(Direct(f), new SessionOperationContext(session), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains(expected, result.Error);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void SyncOptions_DestinationWithDotDot_Invalid()
    {
        var errors = new SyncOptions { Source = "/tmp", Destination = "/srv/../etc" }.Validate();

        Assert.Contains(errors, e => e.Contains("'..'"));
    }

    private static string MakeSource()
    {
        string src = Directory.CreateTempSubdirectory("fanout-sync-src-").FullName;
        Directory.CreateDirectory(Path.Combine(src, "bin"));
        File.WriteAllText(Path.Combine(src, "a.txt"), "hello\n");
        File.WriteAllText(Path.Combine(src, "bin/run.sh"), "#!/bin/sh\necho run\n");
        File.SetUnixFileMode(Path.Combine(src, "bin/run.sh"), Exec);
        var big = new byte[300_000];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(Path.Combine(src, "bin/big.dat"), big);
        File.WriteAllText(Path.Combine(src, "debug.log"), "noise");
        File.CreateSymbolicLink(Path.Combine(src, "link"), "a.txt");
        return src;
    }
}
