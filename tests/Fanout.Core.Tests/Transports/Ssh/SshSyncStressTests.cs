using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>
/// Regression tests for the sync hang: SSH.NET only sends the channel EOF when at least one byte
/// was written to a command's input stream, so a command given an empty input (an unchanged tree's
/// empty tar stream, an empty upload, empty stdin) used to wait for input forever.
/// Every target has a per-target timeout so that a hang fails the test instead of blocking it: 60 s, because
/// the first run (20 targets each receiving 5 MiB at once) takes about 9 s on a quiet 2-core machine and took
/// over 20 s on the loaded CI machine, where the Cli tests run beside these.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshSyncStressTests(SshdFixture f) : IDisposable
{
    private static readonly TimeSpan PerTarget = TimeSpan.FromSeconds(60);
    private readonly List<string> _sources = [];

    public void Dispose() => _sources.ForEach(d => Directory.Delete(d, recursive: true));

    [Fact(Timeout = 30000)]
    public async Task RunAsync_EmptyStandardInput_EndsInsteadOfWaiting()
    {
        await using ISession session = await new SshTransport(Options(f)).OpenAsync(Direct(f), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var (result, stdout, _) = await RunAsync(session, "wc -c", cts.Token, stdin: []);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0", stdout.Trim());
    }

    [Fact(Timeout = 30000)]
    public async Task UploadAsync_EmptyContent_WritesEmptyFile()
    {
        string path = Path.Combine(f.Dir, $"empty-{Guid.NewGuid():N}");
        await using ISession session = await new SshTransport(Options(f)).OpenAsync(Direct(f), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await session.UploadAsync(new MemoryStream(), path, Convert.ToInt32("640", 8), cts.Token);

        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact(Timeout = 60000)]
    public async Task Sync_UnchangedTreeAgain_SkipsEverythingAndEnds()
    {
        string src = Source("fanout-sync-same-");
        File.WriteAllText(Path.Combine(src, "a.txt"), "a\n");
        string dest = Path.Combine(f.Dir, "same-" + Guid.NewGuid().ToString("N"));
        var executor = new BatchExecutor(new ExecutionOptions { Timeout = PerTarget }, new TransportRegistry().Register(new SshTransport(Options(f))));
        var sync = new SyncOperation(new SyncOptions { Source = src, Destination = dest });
        Target[] targets = [new Target { Name = "web-01", Transport = TransportNames.Ssh }];

        BatchResult first = await executor.ExecuteAsync(sync, targets);
        BatchResult second = await executor.ExecuteAsync(sync, targets);

        Assert.True(first.AllSucceeded, Errors(first));
        Assert.True(second.AllSucceeded, Errors(second));
        Assert.Equal((0, 1), ((int)second.Outcomes[0].Data!["filesCopied"]!, (int)second.Outcomes[0].Data!["filesSkipped"]!));
    }

    /// <summary>20 targets × 10 runs; files of 0 B, record-boundary sizes and 5 MiB; runs alternate unchanged / changed trees.</summary>
    [Fact(Timeout = 300000)]
    public async Task Sync_TwentyTargetsTenRuns_NeverHangs()
    {
        string src = Source("fanout-sync-stress-");
        Directory.CreateDirectory(Path.Combine(src, "d/e"));
        foreach ((string name, int size) in new[] { ("empty", 0), ("one", 1), ("block", 512), ("record", 10240), ("odd", 65537) })
        {
            File.WriteAllBytes(Path.Combine(src, "d", name), RandomBytes(size));
        }

        File.WriteAllBytes(Path.Combine(src, "d/e/big.bin"), RandomBytes(5 * 1024 * 1024));
        File.WriteAllText(Path.Combine(src, "changing.txt"), "0");
        string destBase = Path.Combine(f.Dir, "stress-" + Guid.NewGuid().ToString("N"));
        var syncs = new Dictionary<string, SyncOperation>();
        var targets = Enumerable.Range(1, 20).Select(i => new Target { Name = $"web-{i:00}", Transport = TransportNames.Ssh }).ToList();
        var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 20, Timeout = PerTarget }, new TransportRegistry().Register(new SshTransport(Options(f))));

        for (int run = 1; run <= 10; run++)
        {
            bool change = run % 2 == 1 && run > 1;
            if (change)
            {
                File.WriteAllText(Path.Combine(src, "changing.txt"), new string('x', run * 100));
                File.WriteAllBytes(Path.Combine(src, "d", "empty-" + run), []);
            }

            // A fresh operation per run (the local tree is scanned once per operation), one destination per target.
            foreach (Target t in targets)
            {
                syncs[t.Name] = new SyncOperation(new SyncOptions { Source = src, Destination = Path.Combine(destBase, t.Name), Delete = true });
            }

            IOperation perTarget = Operation.FromDelegate("sync", (t, ctx, ct) => syncs[t.Name].ExecuteAsync(t, ctx, ct));
            BatchResult result = await executor.ExecuteAsync(perTarget, targets);

            Assert.True(result.AllSucceeded, $"run {run}: {Errors(result)}");
            int copied = result.Outcomes.Sum(o => (int)o.Data!["filesCopied"]!);
            Assert.Equal(run == 1 ? 20 * 7 : change ? 20 * 2 : 0, copied);
        }

        foreach (Target t in targets)
        {
            string dest = Path.Combine(destBase, t.Name);
            Assert.Equal(File.ReadAllBytes(Path.Combine(src, "d/e/big.bin")), File.ReadAllBytes(Path.Combine(dest, "d/e/big.bin")));
            Assert.Equal(0, new FileInfo(Path.Combine(dest, "d/empty")).Length);
            Assert.Equal(new string('x', 900), File.ReadAllText(Path.Combine(dest, "changing.txt")));
        }
    }

    /// <summary>A local source tree, deleted after the test (its 5 MiB file would pile up in /tmp run after run).</summary>
    private string Source(string prefix)
    {
        string dir = Directory.CreateTempSubdirectory(prefix).FullName;
        _sources.Add(dir);
        return dir;
    }

    private static byte[] RandomBytes(int size)
    {
        byte[] bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static string Errors(BatchResult result) =>
        string.Join("; ", result.Outcomes.Where(o => o.State != TargetState.Succeeded).Select(o => $"{o.Target}: {o.State} {o.Error}"));
}
