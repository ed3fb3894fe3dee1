using System.Diagnostics;
using System.Text;
using Fanout.Execution;
using Fanout.Inventory;

namespace Fanout.Cli.Tests.Scale;

/// <summary>
/// <c>--parallel</c> beyond what <c>ulimit -n</c> allows is refused before anything runs (issue 11 item 6), instead of
/// failing mid-run with "too many open files".
/// </summary>
public sealed class OpenFileLimitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-nofile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(200, 200, 1024, false)] // 200 × 6 + 160 = 1360 > 1024
    [InlineData(140, 200, 1024, true)] // 140 × 6 + 160 = 1000
    [InlineData(500, 20, 512, true)] // only 20 targets run at once, whatever -p says: 280
    public void Check_CountsTheTargetsRunningAtOnce(int parallel, int targets, long limit, bool allowed)
    {
        Target[] list = [.. Enumerable.Range(0, targets).Select(i => new Target { Name = $"t{i}" })];

        string? error = OpenFileBudget.Check(parallel, list, limit);

        Assert.Equal(allowed, error is null);
        if (error is not null)
        {
            Assert.Contains($"--parallel {parallel}", error);
            Assert.Contains($"is {limit}", error);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task ParallelBeyondUlimit_Exit2BeforeAnythingRuns_WithinIt_Runs()
    {
        var yaml = new StringBuilder("defaults: {transport: local}\ntargets:\n");
        for (int i = 0; i < 100; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  t{i:D3}: {{}}\n");
        }

        string inventory = Path.Combine(_dir, "inv.yaml");
        await File.WriteAllTextAsync(inventory, yaml.ToString());
        string marker = Path.Combine(_dir, "ran");

        (int exit, string stderr) = await UnderUlimitAsync(256, "exec", $"touch {marker}-$FANOUT_TARGET", "-i", inventory, "--all", "--yes", "-p", "100", "-q");

        Assert.Equal(2, exit);
        Assert.Contains("--parallel 100 needs about 760 open files", stderr);
        Assert.Contains("ulimit -n", stderr);
        Assert.Empty(Directory.GetFiles(_dir, "ran-*"));

        (exit, stderr) = await UnderUlimitAsync(256, "exec", $"touch {marker}-$FANOUT_TARGET", "-i", inventory, "--all", "--yes", "-p", "10", "-q");
        Assert.True(exit == 0, stderr);
        Assert.Equal(100, Directory.GetFiles(_dir, "ran-*").Length);
    }

    private async Task<(int Exit, string Stderr)> UnderUlimitAsync(int limit, params string[] args)
    {
        var start = new ProcessStartInfo("sh")
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -n {limit} && exec dotnet \"$0\" \"$@\"");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fanout.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["FANOUT_STORE"] = Path.Combine(_dir, "runs.db");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_dir, ".config");
        start.Environment.Remove("FANOUT_CONFIG");
        start.Environment.Remove("FANOUT_INVENTORY");
        using Process p = Process.Start(start)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await stdout;
        return (p.ExitCode, await stderr);
    }
}
