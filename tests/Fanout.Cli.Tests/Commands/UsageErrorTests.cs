namespace Fanout.Cli.Tests.Commands;

/// <summary>Bad input is a one-line error on stderr, exit 2, and nothing runs (SPEC N6).</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string, string[]> Cases => new()
    {
        { "unrecognized", ["--bogus"] },
        { "--tag", ["--tag", "=prod"] },
        { "--regex", ["--regex", "web[("] },
        { "duration", ["--pattern", "*", "--timeout", "5 parsecs"] },
        { "--all", [] },
        { "batch size", ["--all", "--yes", "--batch-size", "10%%"] },
        { "xml", ["--all", "--yes", "--output", "xml"] },
    };

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Cases))]
    public async Task Exec_BadInput_ExitsTwoWithOneLineAndRunsNothing(string expected, string[] extra)
    {
        string inventory = _cli.WriteInventory(2);

        (int exit, string stdout, string stderr) = await _cli.RunAsync(["exec", $"touch {_cli.Marker}", "-i", inventory, .. extra]);

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_MissingInventory_ExitsTwoNamingIt()
    {
        (int exit, _, string stderr) = await _cli.RunAsync("exec", $"touch {_cli.Marker}", "-i", Path.Combine(_cli.Directory, "nope.yaml"), "--all", "--yes");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("nope.yaml", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_NoInventoryAnywhere_ExitsTwo()
    {
        (int exit, _, string stderr) = await _cli.RunAsync("exec", $"touch {_cli.Marker}", "--all", "--yes");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("no inventory", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_MalformedInventory_NamesFileAndLine()
    {
        string inventory = _cli.WriteFile("bad.yaml", "targets:\n  web-01:\n    port: [oops\n");

        (int exit, _, string stderr) = await _cli.RunAsync("exec", $"touch {_cli.Marker}", "-i", inventory, "--all", "--yes");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Matches(@"bad\.yaml:\d+", stderr);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_AllWithoutYesAndWithoutTerminal_Refuses()
    {
        string inventory = _cli.WriteInventory(2);

        (int exit, _, string stderr) = await _cli.RunAsync("exec", $"touch {_cli.Marker}", "-i", inventory, "--all");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("--yes", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Script_MissingFile_ExitsTwo()
    {
        string inventory = _cli.WriteInventory(1);

        (int exit, _, string stderr) = await _cli.RunAsync("script", Path.Combine(_cli.Directory, "missing.sh"), "-i", inventory, "--all", "--yes");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("missing.sh", stderr, StringComparison.Ordinal);
    }
}
