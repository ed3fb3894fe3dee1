using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Secrets are stored as references, never as values, and never replayed masked (issue 9 item 4), through the real
/// <c>fanout</c> executable: a resume without a secret given inline fails before running anything, naming it; with it given
/// again (and a <c>--set-env</c> reference read again), the command sees the real values.
/// </summary>
public sealed class SecretReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-secret-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    /// <summary>A workflow whose first step fails once (then succeeds), and whose second step writes the parameters it sees to a file.</summary>
    private (string File, string Seen, string Marker) WriteWorkflow()
    {
        string seen = Path.Combine(_dir, "seen.txt");
        string marker = Path.Combine(_dir, "marker");
        string file = Path.Combine(_dir, "secrets.yaml");
        File.WriteAllText(file, $$$"""
            name: secrets
            parameters:
              - {name: token, secret: true, required: true}
              - {name: key, secret: true, required: true}
              - {name: who, default: nobody}
            steps:
              - {name: gate, command: "if [ -f {{{marker}}} ]; then echo open; else touch {{{marker}}}; exit 3; fi"}
              - {name: use, command: "printf '%s|%s|%s' {{ .token }} {{ .key }} {{ .who }} > {{{seen}}}"}
            """);
        return (file, seen, marker);
    }

    [Fact(Timeout = 180000)]
    public async Task Resume_WithoutInlineSecret_FailsNamingIt_WithIt_CommandSeesRealValues()
    {
        (string file, string seen, string marker) = WriteWorkflow();
        var environment = new Dictionary<string, string> { ["FANOUT_TEST_KEY"] = "key-from-env" };

        // token inline (together with a plain pair in one --set), key as a reference to an environment variable.
        FanoutProcess.Result first = await FanoutProcess.RunAsync(_dir, environment,
            ["run", file, "--set", "token=inline-s3cret,who=alice", "--set-env", "key=FANOUT_TEST_KEY", "--store", Store]);
        Assert.True(first.ExitCode == 1, first.Stdout + first.Stderr);
        Assert.True(File.Exists(marker));
        Assert.False(File.Exists(seen));

        string runId;
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            RunRecord run = (await store.GetRunAsync(Assert.Single(await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).RunId, CancellationToken.None))!;
            runId = run.RunId;
            Assert.Equal(RunStatus.Failed, run.Status);
            // Neither the value nor a mask is stored: the inline secret is named, the other is a reference.
            Assert.DoesNotContain("inline-s3cret", run.Operation!, StringComparison.Ordinal);
            Assert.DoesNotContain("key-from-env", run.Operation!, StringComparison.Ordinal);
            Assert.DoesNotContain("***", run.Operation!, StringComparison.Ordinal);
            Assert.Contains("\"inlineSecrets\":[\"token\"]", run.Operation!, StringComparison.Ordinal);
            Assert.Contains("key=FANOUT_TEST_KEY", run.Operation!, StringComparison.Ordinal);
            Assert.Contains("who=alice", run.Operation!, StringComparison.Ordinal);
        }

        FanoutProcess.Result refused = await FanoutProcess.RunAsync(_dir, environment, ["resume", runId, "--store", Store]);
        Assert.True(refused.ExitCode == 2, refused.Stdout + refused.Stderr);
        Assert.Contains("'token'", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--set token=VALUE", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(seen)); // nothing ran

        // The environment variable is read again at resume: without it the resume fails naming it, before anything runs.
        FanoutProcess.Result noVariable = await FanoutProcess.RunAsync(_dir, ["resume", runId, "--set", "token=inline-s3cret", "--store", Store]);
        Assert.True(noVariable.ExitCode == 2, noVariable.Stdout + noVariable.Stderr);
        Assert.Contains("FANOUT_TEST_KEY", noVariable.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(seen));

        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, environment, ["resume", runId, "--set", "token=inline-s3cret", "--store", Store]);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal("inline-s3cret|key-from-env|alice", File.ReadAllText(seen));
        Assert.DoesNotContain("inline-s3cret", resumed.Stdout + resumed.Stderr, StringComparison.Ordinal); // still masked in output
    }

    [Fact(Timeout = 120000)]
    public async Task Resume_SetOnANonWorkflowRun_IsRefused()
    {
        string inventory = FanoutProcess.WriteInventory(_dir, 1);
        FanoutProcess.Result exec = await FanoutProcess.RunAsync(_dir, ["exec", "false", "-i", inventory, "--all", "--yes", "-q", "--store", Store]);
        Assert.Equal(1, exec.ExitCode);
        await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
        string runId = Assert.Single(await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).RunId;

        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, ["resume", runId, "--set", "a=b", "--store", Store]);

        Assert.Equal(2, resumed.ExitCode);
        // --set is one of the overrides checked against the run's kind, like --stdin or --retries (RunOverrides.Inapplicable).
        Assert.Contains($"--set cannot apply to run {runId} (a exec run)", resumed.Stderr, StringComparison.Ordinal);
    }
}
