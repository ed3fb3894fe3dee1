using System.Text.Json;

namespace Fanout.Cli.Tests.Commands;

/// <summary>Output fidelity through the CLI (SPEC X9, X13): exact bytes in --output-dir, distinct file names, JSON marks cut output.</summary>
public sealed class OutputCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 60000)]
    public async Task Exec_OutputDir_RandomBinaryOutput_IsByteExact()
    {
        byte[] data = new byte[65536];
        new Random(11).NextBytes(data);
        string source = Path.Combine(_cli.Directory, "random.bin");
        File.WriteAllBytes(source, data);
        string inventory = _cli.WriteInventory(2);
        string dir = Path.Combine(_cli.Directory, "out");

        (int exit, string stdout, _) = await _cli.RunAsync("exec", $"cat {source}; cat {source} >&2", "-i", inventory, "--group", "web", "--output-dir", dir, "--output", "json");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(dir, "node-01.stdout")));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(dir, "node-02.stderr")));
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement target = json.RootElement.GetProperty("targets")[0];
        Assert.True(target.GetProperty("stdoutTruncated").GetBoolean());
        Assert.Equal(65536, target.GetProperty("stdoutBytes").GetInt64());
        Assert.Equal(65536, target.GetProperty("stderrBytes").GetInt64());
    }

    [Fact(Timeout = 60000)]
    public async Task Exec_OutputDir_NamesThatUsedToCollide_GetTheirOwnFiles()
    {
        string inventory = _cli.WriteFile("inv.yaml", "targets:\n  a/b: { transport: local }\n  a_b: { transport: local }\n");
        string dir = Path.Combine(_cli.Directory, "out");

        (int exit, _, string stderr) = await _cli.RunAsync("exec", "echo $FANOUT_TARGET", "-i", inventory, "--all", "--yes", "--output-dir", dir, "--quiet");

        Assert.True(exit == ExitCodes.Success, stderr);
        Assert.Equal("a/b\n", File.ReadAllText(Path.Combine(dir, "a%2Fb.stdout")));
        Assert.Equal("a_b\n", File.ReadAllText(Path.Combine(dir, "a_b.stdout")));
    }

    [Fact(Timeout = 60000)]
    public async Task Exec_OutputJson_LongOutput_IsMarkedTruncatedWithItsByteCount()
    {
        string inventory = _cli.WriteInventory(1);
        string dir = Path.Combine(_cli.Directory, "out");

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "seq 1 100000", "-i", inventory, "--all", "--yes", "--output", "json", "--output-dir", dir);

        Assert.Equal(ExitCodes.Success, exit);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement target = json.RootElement.GetProperty("targets")[0];
        long expected = Enumerable.Range(1, 100000).Sum(i => (long)i.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1);
        Assert.True(target.GetProperty("stdoutTruncated").GetBoolean());
        Assert.Equal(expected, target.GetProperty("stdoutBytes").GetInt64());
        Assert.False(target.GetProperty("stderrTruncated").GetBoolean());
        string text = target.GetProperty("stdout").GetString()!;
        Assert.StartsWith("1\n2\n", text, StringComparison.Ordinal);
        Assert.EndsWith("100000\n", text, StringComparison.Ordinal);
        Assert.Contains("bytes not shown", text, StringComparison.Ordinal);
        Assert.Equal(expected, new FileInfo(Path.Combine(dir, "node-01.stdout")).Length);
    }

    [Fact(Timeout = 60000)]
    public async Task Exec_TimedOut_TableAndJsonKeepWhatWasPrinted()
    {
        string inventory = _cli.WriteInventory(1);
        string dir = Path.Combine(_cli.Directory, "out");

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "echo partial-line; sleep 60", "-i", inventory, "--all", "--yes", "--timeout", "2s", "--output", "json", "--output-dir", dir);

        Assert.Equal(ExitCodes.TargetsFailed, exit);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement target = json.RootElement.GetProperty("targets")[0];
        Assert.Equal("timed-out", target.GetProperty("state").GetString());
        Assert.Equal("partial-line\n", target.GetProperty("stdout").GetString());
        Assert.Equal("partial-line\n", File.ReadAllText(Path.Combine(dir, "node-01.stdout")));
    }
}
