using System.Text.Json;
using Fanout.Cli.Tests.Trust;
using Fanout.Runs;
using Fanout.Storage;

namespace Fanout.Cli.Tests.Commands;

/// <summary>
/// <c>--output-budget</c> and the config's <c>output_budget</c> (issue 11, SPEC X12) through the real executable: the run
/// uses (and records, for resume and retry) the given budget, a size that does not parse is exit 2 with nothing run.
/// </summary>
public sealed class OutputBudgetOptionTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 240000)]
    public async Task OutputBudget_GivenOnTheCommandLine_IsUsedAndRecorded_ZeroStillKeepsEveryByte()
    {
        string inventory = _files.WriteInventory(2);

        (int exit, string stdout, string stderr) = await RunAsync(null, "exec", "seq 1 20000", "-i", inventory, "--all", "--yes", "-o", "json", "--output-budget", "0");

        Assert.True(exit == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.All(doc.RootElement.GetProperty("targets").EnumerateArray(), t => Assert.Equal(108894, t.GetProperty("stdoutBytes").GetInt64()));
        Assert.Equal(0, await RecordedBudgetAsync(doc.RootElement.GetProperty("runId").GetString()!));

        (exit, stdout, stderr) = await RunAsync(null, "exec", "true", "-i", inventory, "--all", "--yes", "-o", "json", "--output-budget", "1.5MiB");
        Assert.True(exit == 0, stderr);
        using JsonDocument second = JsonDocument.Parse(stdout);
        Assert.Equal(1572864, await RecordedBudgetAsync(second.RootElement.GetProperty("runId").GetString()!));
    }

    [Theory(Timeout = 120000)]
    [InlineData("12X")]
    [InlineData("lots")]
    public async Task OutputBudget_NotASize_Exit2_NothingRuns(string size)
    {
        string inventory = _files.WriteInventory(2);

        (int exit, _, string stderr) = await RunAsync(null, "exec", $"touch {_files.Marker}", "-i", inventory, "--all", "--yes", "--output-budget", size);

        Assert.Equal(2, exit);
        Assert.Contains("--output-budget", stderr, StringComparison.Ordinal);
        Assert.Contains($"'{size}' is not a size", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }

    [Fact(Timeout = 240000)]
    public async Task ConfigOutputBudget_IsTheDefault_TheOptionWins_AndAnInvalidOneIsExit2NamingTheFile()
    {
        string inventory = _files.WriteInventory(1);
        string config = Path.Combine(_files.Directory, "fanout-config.yaml");
        var environment = new Dictionary<string, string> { ["FANOUT_CONFIG"] = config };
        await File.WriteAllTextAsync(config, "output_budget: 3MiB\n");

        (int exit, string stdout, string stderr) = await RunAsync(environment, "exec", "true", "-i", inventory, "--all", "--yes", "-o", "json");
        Assert.True(exit == 0, stderr);
        using (JsonDocument doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(3 * 1024 * 1024, await RecordedBudgetAsync(doc.RootElement.GetProperty("runId").GetString()!));
        }

        (exit, stdout, stderr) = await RunAsync(environment, "exec", "true", "-i", inventory, "--all", "--yes", "-o", "json", "--output-budget", "2K");
        Assert.True(exit == 0, stderr);
        using (JsonDocument doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(2048, await RecordedBudgetAsync(doc.RootElement.GetProperty("runId").GetString()!));
        }

        await File.WriteAllTextAsync(config, "output_budget: plenty\n");
        (exit, _, stderr) = await RunAsync(environment, "exec", $"touch {_files.Marker}", "-i", inventory, "--all", "--yes");
        Assert.Equal(2, exit);
        Assert.Contains("fanout-config.yaml:1:", stderr, StringComparison.Ordinal);
        Assert.Contains("'output_budget': invalid size 'plenty'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_files.Marker));
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(Dictionary<string, string>? environment, params string[] args)
    {
        using FanoutExe fanout = FanoutExe.Start(_files.Directory, environment, args);
        return await fanout.WaitAsync(Limit);
    }

    private async Task<long> RecordedBudgetAsync(string runId)
    {
        await using IRunStore store = await StoreFactory.OpenAsync(Path.Combine(_files.Directory, "runs.db"), CancellationToken.None);
        RunRecord run = (await store.GetRunAsync(runId, CancellationToken.None))!;
        using JsonDocument options = JsonDocument.Parse(run.Options!);
        return options.RootElement.EnumerateObject().Single(p => p.Name.Equals("outputBudget", StringComparison.OrdinalIgnoreCase)).Value.GetInt64();
    }
}
