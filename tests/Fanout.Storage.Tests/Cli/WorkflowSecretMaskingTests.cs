using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// A workflow step whose output spilled to a file (past the in-memory window) is masked into its log file streamed and
/// byte-exact, through the real <c>fanout</c> executable: the secret becomes <c>***</c>, every other byte — invalid UTF-8
/// included — stays as the command printed it (issue 11: files and logs hold the exact bytes).
/// </summary>
public sealed class WorkflowSecretMaskingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wf-mask-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 180000)]
    public async Task SpilledStepOutput_WithASecret_IsMaskedIntoAByteExactLogFile()
    {
        const string Secret = "tok-S3CRET-value";
        var random = new Random(11);
        byte[] Noise(int length)
        {
            byte[] bytes = new byte[length];
            random.NextBytes(bytes);
            return [.. bytes.Select(b => b == (byte)'t' ? (byte)0xFE : b)]; // never the secret's first byte
        }

        byte[] head = Noise(90_000), tail = Noise(50_000);
        string blob = Path.Combine(_dir, "blob.bin");
        File.WriteAllBytes(blob, [.. head, .. System.Text.Encoding.UTF8.GetBytes(Secret), .. tail]);
        string store = Path.Combine(_dir, "store.db");
        string file = Path.Combine(_dir, "mask.yaml");
        File.WriteAllText(file, $$$"""
            name: mask
            parameters:
              - {name: token, secret: true, required: true}
            steps:
              - {name: big, command: "cat {{{blob}}}"}
            """);

        FanoutProcess.Result run = await FanoutProcess.RunAsync(_dir, ["run", file, "--set", $"token={Secret}", "--store", store]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);

        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
        string runId = Assert.Single(await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).RunId;
        TargetAttemptRecord big = Assert.Single(await runs.GetAttemptsAsync(runId, new AttemptQuery { Target = "big" }, CancellationToken.None));
        Assert.NotNull(big.StdoutLog);
        Assert.Equal([.. head, .. "***"u8.ToArray(), .. tail], File.ReadAllBytes(big.StdoutLog!));
    }
}
