namespace Fanout.Cli.Tests.Commands;

public sealed class HelpTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory(Timeout = 30000)]
    [InlineData("root", new string[] { "--help" })]
    [InlineData("exec", new[] { "exec", "--help" })]
    [InlineData("script", new[] { "script", "--help" })]
    [InlineData("targets", new[] { "targets", "--help" })]
    [InlineData("sync", new[] { "sync", "--help" })]
    [InlineData("run", new[] { "run", "--help" })]
    [InlineData("approve", new[] { "approve", "--help" })]
    [InlineData("workflows", new[] { "workflows", "--help" })]
    [InlineData("templates", new[] { "templates", "--help" })]
    [InlineData("create", new[] { "create", "--help" })]
    [InlineData("template-generate", new[] { "template", "generate", "--help" })]
    public async Task Help_Command_MatchesSnapshot(string name, string[] args)
    {
        (int exit, string stdout, _) = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Success, exit);
        Snapshot.Verify("help-" + name, stdout);
    }
}
