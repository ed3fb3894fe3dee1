using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fanout.Cli.Tests.Trust;

/// <summary>
/// Issue 11: what targets print is shown while the run goes on, through the real executable — each target's output as soon
/// as it finishes (plain lines and under the live display), and with <c>--stream</c> line by line as it arrives (per-target
/// order kept, bytes as printed).
/// </summary>
public sealed class LiveOutputTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 240000)]
    public async Task Exec_Plain_FastTargetsOutputIsPrintedWhileASlowTargetStillRuns()
    {
        (string inventory, string release, string command) = FastAndSlow();
        using var fanout = FanoutExe.Start(_files.Directory, null, "exec", command, "-i", inventory, "--all", "--yes", "-p", "2");

        Assert.True(await fanout.WaitForStdoutAsync("fast | said fast", Limit), fanout.StdoutSoFar);
        Assert.False(fanout.Process.HasExited);
        Assert.DoesNotContain("said slow", fanout.StdoutSoFar, StringComparison.Ordinal);
        File.WriteAllText(release, string.Empty);
        (int exit, string stdout, string stderr) = await fanout.WaitAsync(Limit);

        Assert.True(exit == 0, stderr + stdout);
        // Each output once, right after its target's progress line, and before the summary table.
        Assert.Single(Regex.Matches(stdout, "fast \\| said fast"));
        Assert.Single(Regex.Matches(stdout, "slow \\| said slow"));
        int slowLine = stdout.IndexOf("slow | said slow", StringComparison.Ordinal);
        Assert.True(stdout.IndexOf("fast | said fast", StringComparison.Ordinal) < slowLine);
        Assert.True(Regex.Match(stdout, @"\] slow +succeeded").Index < slowLine, stdout);
        Assert.True(slowLine < stdout.IndexOf("Total 2:", StringComparison.Ordinal), stdout);
    }

    [Fact(Timeout = 240000)]
    public async Task Exec_LiveDisplay_FastTargetsOutputAppearsWhileASlowTargetStillRuns()
    {
        (string inventory, string release, string command) = FastAndSlow();
        using var fanout = TerminalFanout.Start(_files.Directory, 100, "exec", command, "-i", inventory, "--all", "--yes", "-p", "2");

        await fanout.WaitForAsync("fast | said fast", Limit);
        Assert.False(fanout.Process.HasExited);
        Assert.DoesNotContain("said slow", fanout.Output, StringComparison.Ordinal);
        File.WriteAllText(release, string.Empty);
        int exit = await fanout.WaitExitAsync(Limit);

        var screen = TerminalScreen.Replay(fanout.Output, 100);
        string shown = string.Join('\n', screen.Lines);
        Assert.True(exit == 0, shown);
        // Drawn above the display (never over it, never twice), the summary after.
        Assert.Single(screen.Lines, l => l.StartsWith("fast | said fast", StringComparison.Ordinal));
        Assert.Single(screen.Lines, l => l.StartsWith("slow | said slow", StringComparison.Ordinal));
        Assert.Contains(screen.Lines, l => l.StartsWith("Total 2: 2 succeeded", StringComparison.Ordinal));
    }

    [Fact(Timeout = 240000)]
    public async Task Exec_Stream_PrintsEachLineAsItArrives_BeforeTheTargetFinishes()
    {
        string release = Path.Combine(_files.Directory, "release");
        string inventory = _files.WriteFile("inv.yaml", "targets:\n  web-1: { transport: local }\n");
        string command = $"echo first; echo oops >&2; while [ ! -f {release} ]; do sleep 0.1; done; printf 'second\\nno newline'";
        using var fanout = FanoutExe.Start(_files.Directory, null, "exec", command, "-i", inventory, "--all", "--yes", "--stream");

        Assert.True(await fanout.WaitForStdoutAsync("web-1 | first\n", Limit), fanout.StdoutSoFar);
        Assert.True(await fanout.WaitForStdoutAsync("web-1 ! oops\n", Limit), fanout.StdoutSoFar);
        Assert.False(fanout.Process.HasExited);
        File.WriteAllText(release, string.Empty);
        (int exit, string stdout, string stderr) = await fanout.WaitAsync(Limit);

        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("web-1 | second\nweb-1 | no newline\n", stdout, StringComparison.Ordinal);
        // Streamed lines are not echoed a second time at the end.
        Assert.Single(Regex.Matches(stdout, "web-1 \\| first"));
    }

    [Fact(Timeout = 240000)]
    public async Task Exec_Stream_KeepsEveryTargetsLinesWholeAndInOrder_AndJsonStaysOnStdout()
    {
        string inventory = _files.WriteFile("inv.yaml", "targets:\n  a: { transport: local }\n  bb: { transport: local }\n  ccc: { transport: local }\n");

        (int exit, string stdout, string stderr) = await FanoutExe.RunAsync(_files.Directory,
            "exec", "seq 1 3000; seq 1 500 >&2", "-i", inventory, "--all", "--yes", "-p", "3", "--stream", "--output", "json");

        Assert.True(exit == 0, stderr);
        using (JsonDocument json = JsonDocument.Parse(stdout))
        {
            Assert.Equal(3, json.RootElement.GetProperty("summary").GetProperty("succeeded").GetInt32());
        }

        // With a document on stdout the lines go to stderr, with progress; every streamed line is whole.
        var seen = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (string line in stderr.Split('\n'))
        {
            Match m = Regex.Match(line, @"^(a  |bb |ccc) ([|!]) (.*)$");
            if (!m.Success)
            {
                continue;
            }

            Assert.Matches(@"^\d+$", m.Groups[3].Value);
            string key = m.Groups[1].Value.Trim() + m.Groups[2].Value;
            (seen.TryGetValue(key, out List<int>? list) ? list : seen[key] = []).Add(int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (string target in new[] { "a", "bb", "ccc" })
        {
            Assert.Equal(Enumerable.Range(1, 3000), seen[target + "|"]);
            Assert.Equal(Enumerable.Range(1, 500), seen[target + "!"]);
        }
    }

    [Fact(Timeout = 240000)]
    public async Task Exec_Stream_WritesTheBytesAsPrinted()
    {
        byte[] data = new byte[100_000];
        new Random(7).NextBytes(data);
        data = [.. data, 0xff, 0xfe, .. " tail without newline"u8.ToArray()];
        string source = Path.Combine(_files.Directory, "random.bin");
        File.WriteAllBytes(source, data);
        string inventory = _files.WriteFile("inv.yaml", "targets:\n  bin: { transport: local }\n");
        string captured = Path.Combine(_files.Directory, "stdout.bin");

        // stdout straight into a file: the bytes as fanout wrote them, no decoding on the way.
        var start = new ProcessStartInfo("sh") { WorkingDirectory = _files.Directory, UseShellExecute = false, RedirectStandardError = true };
        foreach (string a in new[] { "-c", "exec dotnet \"$0\" \"$@\" > \"$OUT\"", Path.Combine(AppContext.BaseDirectory, "fanout.dll"),
            "exec", $"cat {source}", "-i", inventory, "--all", "--yes", "--stream", "--quiet" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["OUT"] = captured;
        start.Environment["FANOUT_STORE"] = Path.Combine(_files.Directory, "runs.db");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_files.Directory, ".config");
        using (Process process = Process.Start(start)!)
        {
            string stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync(new CancellationTokenSource(Limit).Token);
            Assert.True(process.ExitCode == 0, stderr);
        }

        // Every line is "bin | " and the target's bytes up to and including a newline; the last line got its newline.
        byte[] output = File.ReadAllBytes(captured);
        byte[] prefix = "bin | "u8.ToArray();
        var rebuilt = new List<byte>();
        int at = 0;
        while (at < output.Length && output.AsSpan(at).StartsWith(prefix))
        {
            at += prefix.Length;
            int end = output.AsSpan(at).IndexOf((byte)'\n');
            Assert.True(end >= 0, "a streamed line without its newline");
            rebuilt.AddRange(output.AsSpan(at, end + 1).ToArray());
            at += end + 1;
        }

        Assert.Equal([.. data, (byte)'\n'], rebuilt.ToArray());
        Assert.Contains("Total 1: 1 succeeded", Encoding.UTF8.GetString(output, at, output.Length - at), StringComparison.Ordinal);
    }

    private (string Inventory, string Release, string Command) FastAndSlow()
    {
        string release = Path.Combine(_files.Directory, "release");
        string inventory = _files.WriteFile("inv.yaml", "targets:\n  fast: { transport: local }\n  slow: { transport: local }\n");
        string command = $"if [ \"$FANOUT_TARGET\" = slow ]; then while [ ! -f {release} ]; do sleep 0.1; done; fi; echo said $FANOUT_TARGET";
        return (inventory, release, command);
    }
}
