using System.Diagnostics;

namespace Fanout.Cli.Tests;

/// <summary>A few runs of the real built executable, as a user or CI would run it.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 60000)]
    public async Task Fanout_ExecAllYes_RunsEveryTargetAndExitsZero()
    {
        string inventory = _files.WriteInventory(4);

        (int exit, string stdout, _) = await RunFanoutAsync("exec", "echo hello from $FANOUT_TARGET", "-i", inventory, "--all", "--yes");

        Assert.Equal(0, exit);
        Assert.Contains("node-04 | hello from node-04", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[[1-4]/4\] node-0\d", stdout);
    }

    [Fact(Timeout = 60000)]
    public async Task Fanout_AllWithoutYesAndNoTerminal_RefusesWithExitTwo()
    {
        string inventory = _files.WriteInventory(2);

        (int exit, _, string stderr) = await RunFanoutAsync("exec", $"touch {_files.Marker}", "-i", inventory, "--all");

        Assert.Equal(2, exit);
        Assert.Contains("--yes", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }

    [Fact(Timeout = 60000)]
    public async Task Fanout_UnknownOption_ExitsTwo()
    {
        (int exit, _, string stderr) = await RunFanoutAsync("exec", "true", "--no-such-option");

        Assert.Equal(2, exit);
        Assert.Contains("--no-such-option", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunFanoutAsync(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "fanout.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
