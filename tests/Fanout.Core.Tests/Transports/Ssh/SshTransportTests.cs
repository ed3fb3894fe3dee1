using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fanout.Inventory;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

[Collection(SshdCollection.Name)]
public sealed class SshTransportTests(SshdFixture f)
{
    [Theory(Timeout = 30000)]
    [InlineData("id_ed25519")]
    [InlineData("id_rsa")]
    [InlineData("id_ecdsa")]
    public async Task RunAsync_KeyOfEachType_StreamsOutputAndExitCode(string key)
    {
        var transport = new SshTransport(Options(f));
        await using ISession session = await transport.OpenAsync(Direct(f, key), CancellationToken.None);

        var (result, stdout, stderr) = await RunAsync(session, "echo hello; echo oops >&2; exit 3");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("hello\n", stdout);
        Assert.Equal("oops\n", stderr);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ArgvEnvCwdAndStdin_ArePassedThrough()
    {
        var transport = new SshTransport(Options(f));
        await using ISession session = await transport.OpenAsync(Direct(f), CancellationToken.None);
        using var stdout = new Fanout.Output.OutputCapture();
        using var stderr = new Fanout.Output.OutputCapture();
        var spec = new CommandSpec
        {
            Argv = ["sh", "-c", "printf '%s|%s|' \"$GREETING\" \"$(pwd)\"; cat", "it's"],
            Environment = new Dictionary<string, string> { ["GREETING"] = "hi 'there'" },
            WorkingDirectory = "/tmp",
            StandardInput = "from stdin"u8.ToArray(),
        };

        CommandResult result = await session.RunAsync(spec, stdout, stderr, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi 'there'|/tmp|from stdin", stdout.Complete().Text);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ProcessKilledBySignal_ReportsSignal()
    {
        var transport = new SshTransport(Options(f));
        await using ISession session = await transport.OpenAsync(Direct(f), CancellationToken.None);

        var (result, _, _) = await RunAsync(session, "kill -TERM $$");

        Assert.Null(result.ExitCode);
        Assert.Equal("TERM", result.Signal);
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_EncryptedKeyWithoutPassphrase_FailsNamingTheKey()
    {
        var transport = new SshTransport(Options(f, o => o.PassphraseEnvironmentVariable = "FANOUT_TEST_UNSET_PASSPHRASE"));

        var ex = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(Direct(f, "id_encrypted"), CancellationToken.None));

        Assert.Contains(f.Key("id_encrypted"), ex.Message);
        Assert.Contains("FANOUT_TEST_UNSET_PASSPHRASE", ex.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_EncryptedKeyWithPassphraseFromEnvironment_Connects()
    {
        Environment.SetEnvironmentVariable("FANOUT_TEST_PASSPHRASE", SshdFixture.Passphrase);
        var transport = new SshTransport(Options(f, o => o.PassphraseEnvironmentVariable = "FANOUT_TEST_PASSPHRASE"));
        await using ISession session = await transport.OpenAsync(Direct(f, "id_encrypted"), CancellationToken.None);

        var (result, stdout, _) = await RunAsync(session, "echo ok");

        Assert.Equal((0, "ok\n"), (result.ExitCode, stdout));
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_KeyOnlyInSshAgent_AuthenticatesThroughAgent()
    {
        string sock = Path.Combine(f.Dir, $"agent-{Guid.NewGuid():N}.sock");
        int agentPid = int.Parse(Sh.Run($"ssh-agent -a {sock} -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p'").Trim());
        try
        {
            Sh.Run($"ssh-add {f.Key("id_agent")}", new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = sock });
            string emptyConfig = Path.Combine(f.Dir, "empty_config");
            File.WriteAllText(emptyConfig, "");
            var transport = new SshTransport(Options(f, o => { o.ConfigFile = emptyConfig; o.UseAgent = true; o.AgentSocket = sock; }));
            Target target = Direct(f) with { Vars = new Dictionary<string, object?>() };

            await using ISession session = await transport.OpenAsync(target, CancellationToken.None);
            var (result, _, _) = await RunAsync(session, "true");

            Assert.Equal(0, result.ExitCode);
        }
        finally
        {
            Process.GetProcessById(agentPid).Kill();
        }
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_SshConfigAliases_WildcardNegationAndFirstValueWins()
    {
        var transport = new SshTransport(Options(f));

        await using ISession session = await transport.OpenAsync(new Target { Name = "web-17", Transport = "ssh" }, CancellationToken.None);
        var (result, stdout, _) = await RunAsync(session, "echo ${SSH_CONNECTION##* }");
        var negated = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(new Target { Name = "web-bad", Transport = "ssh" }, CancellationToken.None));
        var fallback = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(new Target { Name = "db-1", Transport = "ssh" }, CancellationToken.None));

        Assert.Equal((0, $"{f.Port}\n"), (result.ExitCode, stdout));
        Assert.Contains("127.0.0.1:1", negated.Message);
        Assert.Contains("127.0.0.1:9", fallback.Message.Replace("db-1", "127.0.0.1", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_ProxyJump_ConnectsThroughJumpHost()
    {
        var transport = new SshTransport(Options(f));

        await using ISession session = await transport.OpenAsync(new Target { Name = "behind-jump", Transport = "ssh" }, CancellationToken.None);
        var (result, stdout, _) = await RunAsync(session, "echo ${SSH_CONNECTION##* }");
        var broken = await Assert.ThrowsAsync<TransportException>(async () => await transport.OpenAsync(new Target { Name = "behind-badjump", Transport = "ssh" }, CancellationToken.None));

        Assert.Equal((0, $"{f.Port}\n"), (result.ExitCode, stdout));
        Assert.Contains(":1", broken.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_UnknownHostKey_RefusedUnlessAcceptedThenRecorded()
    {
        string known = Path.Combine(f.Dir, $"known-{Guid.NewGuid():N}");
        File.WriteAllText(known, "");

        var refused = await Assert.ThrowsAsync<HostKeyException>(async () =>
            await new SshTransport(Options(f, o => o.KnownHostsFiles = [known])).OpenAsync(Direct(f), CancellationToken.None));
        await using (ISession s = await new SshTransport(Options(f, o => { o.KnownHostsFiles = [known]; o.AcceptNewHostKeys = true; })).OpenAsync(Direct(f), CancellationToken.None))
        {
            Assert.Equal(0, (await RunAsync(s, "true")).Result.ExitCode);
        }

        await using ISession again = await new SshTransport(Options(f, o => o.KnownHostsFiles = [known])).OpenAsync(Direct(f), CancellationToken.None);

        Assert.Contains("not known", refused.Message);
        Assert.Contains($"[127.0.0.1]:{f.Port} ssh-ed25519 ", File.ReadAllText(known));
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_ChangedHostKey_AlwaysRefusedNamingBothFingerprints()
    {
        string known = Path.Combine(f.Dir, $"known-{Guid.NewGuid():N}");
        File.WriteAllText(known, $"[127.0.0.1]:{f.Port} {f.OtherHostPublicKey}\n");
        string expected = KnownHosts.Fingerprint(Convert.FromBase64String(f.OtherHostPublicKey.Split(' ')[1]));
        string presented = KnownHosts.Fingerprint(Convert.FromBase64String(f.HostPublicKey.Split(' ')[1]));

        var ex = await Assert.ThrowsAsync<HostKeyException>(async () =>
            await new SshTransport(Options(f, o => { o.KnownHostsFiles = [known]; o.AcceptNewHostKeys = true; })).OpenAsync(Direct(f), CancellationToken.None));

        Assert.Contains("CHANGED", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.Contains(presented, ex.Message);
        Assert.DoesNotContain(f.HostPublicKey.Split(' ')[1], File.ReadAllText(known));
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_HashedKnownHostsEntryInSecondFile_Trusted()
    {
        string first = Path.Combine(f.Dir, $"known-{Guid.NewGuid():N}");
        string second = first + "-hashed";
        File.WriteAllText(first, "# nothing here\n");
        File.WriteAllText(second, $"[127.0.0.1]:{f.Port} {f.HostPublicKey}\n");
        Sh.Run($"ssh-keygen -H -f {second} && rm -f {second}.old");
        Assert.StartsWith("|1|", File.ReadAllText(second));

        await using ISession s = await new SshTransport(Options(f, o => o.KnownHostsFiles = [first, second])).OpenAsync(Direct(f), CancellationToken.None);

        Assert.Equal(0, (await RunAsync(s, "true")).Result.ExitCode);
    }

    [Fact(Timeout = 30000)]
    public async Task OpenAsync_ServerAcceptsButNeverSpeaks_FailsAfterConnectTimeout()
    {
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () => { while (true) { accepted.Add(await silent.AcceptTcpClientAsync()); } });
        try
        {
            var transport = new SshTransport(Options(f, o => o.ConnectTimeout = TimeSpan.FromSeconds(1)));
            var watch = Stopwatch.StartNew();

            var ex = await Assert.ThrowsAsync<TransportException>(async () =>
                await transport.OpenAsync(Direct(f, port: ((IPEndPoint)silent.LocalEndpoint).Port), CancellationToken.None));

            Assert.Contains("timed out", ex.Message);
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        }
        finally
        {
            silent.Stop();
            accepted.ForEach(c => c.Dispose());
        }
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_Cancelled_KillsRemoteProcessGroup()
    {
        string marker = "fanout-marker-" + Guid.NewGuid().ToString("N");
        int seconds = 3000 + Random.Shared.Next(5000);
        var transport = new SshTransport(Options(f, o => o.KillGracePeriod = TimeSpan.FromSeconds(1)));
        await using ISession session = await transport.OpenAsync(Direct(f), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(session, $"sleep {seconds}; echo {marker}", cts.Token));

        Assert.Equal("", Sh.Run($"pgrep -f '[f]{marker[1..]}|slee[p] {seconds}' || true").Trim());
    }

    [Fact(Timeout = 60000)]
    public async Task OpenAsync_200AliasesAtParallel50_AllSucceed()
    {
        var transport = new SshTransport(Options(f));
        using var gate = new SemaphoreSlim(50);
        int peak = 0, current = 0;

        int[] codes = await Task.WhenAll(Enumerable.Range(1, 200).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                int now = Interlocked.Increment(ref current);
                InterlockedMax(ref peak, now);
                await using ISession s = await transport.OpenAsync(new Target { Name = $"web-{i:000}", Transport = "ssh" }, CancellationToken.None);
                return (await RunAsync(s, "true")).Result.ExitCode ?? -1;
            }
            finally
            {
                Interlocked.Decrement(ref current);
                gate.Release();
            }
        }));

        Assert.All(codes, c => Assert.Equal(0, c));
        Assert.InRange(peak, 1, 50);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
