using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>The SSH transport under the real executor: connection bounds (X2/X3), reuse, timeouts (X5).</summary>
[Collection(SshdCollection.Name)]
public sealed class SshExecutorTests(SshdFixture f)
{
    [Theory(Timeout = 90000)]
    [InlineData(8, "0", 8)]
    [InlineData(20, "5", 5)]
    public async Task ExecuteAsync_OpenConnectionsNeverExceedParallelOrWave(int parallel, string batch, int bound)
    {
        var counting = new CountingTransport(new SshTransport(Options(f)));
        var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = parallel, BatchSizes = [WaveSize.Parse(batch)] }, new TransportRegistry().Register(counting));
        var targets = Enumerable.Range(1, 30).Select(i => new Target { Name = $"web-{i:00}", Transport = TransportNames.Ssh }).ToList();
        var twoSteps = Operation.Composite("two", new CommandOperation(CommandSpec.Sh("sleep 0.05")), new CommandOperation(CommandSpec.Sh("true")));

        BatchResult result = await executor.ExecuteAsync(twoSteps, targets);

        Assert.True(result.AllSucceeded, string.Join("; ", result.Outcomes.Select(o => o.Error).Where(e => e is not null)));
        Assert.Equal(30, counting.Opened); // one connection per target for both steps
        Assert.InRange(counting.Peak, 1, bound);
        Assert.Equal(0, counting.Current);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_CommandTimeout_ReportsTimedOutAndKillsRemote()
    {
        int seconds = 3000 + Random.Shared.Next(5000);
        var executor = new BatchExecutor(new ExecutionOptions { Timeout = TimeSpan.FromSeconds(1), CancellationGracePeriod = TimeSpan.FromSeconds(5) }, new TransportRegistry().Register(new SshTransport(Options(f, o => o.KillGracePeriod = TimeSpan.FromMilliseconds(500)))));

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh($"sleep {seconds}")), [new Target { Name = "web-timeout", Transport = TransportNames.Ssh }]);

        Assert.Equal(TargetState.TimedOut, Assert.Single(result.Outcomes).State);
        Assert.Equal("", Sh.Run($"pgrep -f 'slee[p] {seconds}' || true").Trim());
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_CommandTimeout_KeepsOutputPrintedBefore()
    {
        var executor = new BatchExecutor(new ExecutionOptions { Timeout = TimeSpan.FromSeconds(2) }, new TransportRegistry().Register(new SshTransport(Options(f, o => o.KillGracePeriod = TimeSpan.FromMilliseconds(300)))));

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh("echo before-timeout; echo err-line >&2; sleep 60")), [new Target { Name = "web-partial", Transport = TransportNames.Ssh }]);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.Equal(TargetState.TimedOut, outcome.State);
        Assert.Equal("before-timeout\n", outcome.Stdout.Text);
        Assert.Equal("err-line\n", outcome.Stderr.Text);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_ConnectionDropped_KeepsOutputPrintedBefore()
    {
        // Killing the sshd process serving the session ($PPID of the command's shell) drops the connection.
        var executor = new BatchExecutor(new ExecutionOptions { Timeout = TimeSpan.FromSeconds(30) }, new TransportRegistry().Register(new SshTransport(Options(f))));

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh("echo before-drop; sleep 1; kill -9 $PPID; sleep 30")), [new Target { Name = "web-drop", Transport = TransportNames.Ssh }]);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.NotEqual(TargetState.Succeeded, outcome.State);
        Assert.Equal("before-drop\n", outcome.Stdout.Text);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_RandomBinaryOutput_IsByteExactOverSsh()
    {
        byte[] data = new byte[300_000];
        new Random(5).NextBytes(data);
        string source = Path.Combine(f.Dir, "random-" + Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(source, data);
        string spill = Directory.CreateTempSubdirectory("fanout-ssh-spill-").FullName;
        var executor = new BatchExecutor(new ExecutionOptions { SpillDirectory = spill }, new TransportRegistry().Register(new SshTransport(Options(f))));

        BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh($"cat {source}; head -c 1000 {source} >&2")), [new Target { Name = "web-binary", Transport = TransportNames.Ssh }]);

        TargetOutcome outcome = Assert.Single(result.Outcomes);
        Assert.Equal(TargetState.Succeeded, outcome.State);
        using var stdout = new MemoryStream();
        await outcome.Stdout.CopyToAsync(stdout);
        Assert.Equal(data, stdout.ToArray());
        using var stderr = new MemoryStream();
        await outcome.Stderr.CopyToAsync(stderr);
        Assert.Equal(data.AsSpan(0, 1000).ToArray(), stderr.ToArray());
        Directory.Delete(spill, recursive: true);
    }

    [Fact(Timeout = 60000)]
    public async Task ExecuteAsync_SyncToTwoTargetsSharingAHost_BothSucceed()
    {
        string src = Directory.CreateTempSubdirectory("fanout-exec-sync-").FullName;
        Directory.CreateDirectory(Path.Combine(src, "conf"));
        File.WriteAllText(Path.Combine(src, "conf", "app.ini"), "x=1\n");
        string dest = Path.Combine(f.Dir, "exec-sync-" + Guid.NewGuid().ToString("N"));
        var executor = new BatchExecutor(new ExecutionOptions(), new TransportRegistry().Register(new SshTransport(Options(f))));
        var targets = new[] { new Target { Name = "web-01", Transport = TransportNames.Ssh }, new Target { Name = "web-02", Transport = TransportNames.Ssh } };

        BatchResult result = await executor.ExecuteAsync(new SyncOperation(new SyncOptions { Source = src, Destination = dest }), targets);

        Assert.True(result.AllSucceeded, string.Join("; ", result.Outcomes.Select(o => o.Error).Where(e => e is not null)));
        Assert.Equal("x=1\n", File.ReadAllText(Path.Combine(dest, "conf", "app.ini")));
    }

    private sealed class CountingTransport(ITransport inner) : ITransport
    {
        private int _current;
        private int _peak;
        private int _opened;

        public string Name => inner.Name;

        public int Current => Volatile.Read(ref _current);

        public int Peak => Volatile.Read(ref _peak);

        public int Opened => Volatile.Read(ref _opened);

        public async ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
        {
            int now = Interlocked.Increment(ref _current);
            Interlocked.Increment(ref _opened);
            int seen;
            while (now > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }

            try
            {
                return new Counted(await inner.OpenAsync(target, cancellationToken), this);
            }
            catch
            {
                Interlocked.Decrement(ref _current);
                throw;
            }
        }

        private sealed class Counted(ISession inner, CountingTransport owner) : ISession
        {
            public Target Target => inner.Target;

            public Task<CommandResult> RunAsync(CommandSpec command, Fanout.Output.OutputCapture stdout, Fanout.Output.OutputCapture stderr, CancellationToken cancellationToken) =>
                inner.RunAsync(command, stdout, stderr, cancellationToken);

            public Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken) =>
                inner.UploadAsync(content, remotePath, mode, cancellationToken);

            public async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                Interlocked.Decrement(ref owner._current);
            }
        }
    }
}
