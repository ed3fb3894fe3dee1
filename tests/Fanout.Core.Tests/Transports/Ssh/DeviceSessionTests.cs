using Fanout.Core.Tests.Operations;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

[Collection(SshdCollection.Name)]
public sealed class DeviceSessionTests(SshdFixture f)
{
    private Target Router => Direct(f, port: f.DevicePort) with { Name = "router1", Transport = TransportNames.Device };

    [Fact(Timeout = 30000)]
    public async Task DeviceCommandOperation_SeveralCommandsOnOneSession_PerCommandOutput()
    {
        await using ISession session = await new DeviceTransport(new SshTransport(Options(f))).OpenAsync(Router, CancellationToken.None);

        OperationResult result = await new DeviceCommandOperation(["show version", "show long"]).ExecuteAsync(Router, new SessionOperationContext(session), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        IReadOnlyList<CommandSection> commands = CommandSections.Parse(result.Stdout.Text, result.Stderr.Text)!;
        Assert.Equal(2, commands.Count);
        Assert.Equal("RouterOS 15.2, uptime 3 days\n", commands[0].Stdout);
        Assert.Equal(string.Concat(Enumerable.Range(1, 60).Select(i => $"interface {i} up\n")), commands[1].Stdout);
        Assert.All(commands, c => Assert.Equal(0, c.ExitCode));
        Assert.StartsWith("# [1/2] show version (exit 0, 29 chars)\nRouterOS", result.Stdout.Text);
    }

    [Fact(Timeout = 30000)]
    public async Task DeviceCommandOperation_ARejectedCommand_FailsWithExitCode1_AndStopsTheRest()
    {
        await using ISession session = await new DeviceTransport(new SshTransport(Options(f))).OpenAsync(Router, CancellationToken.None);

        OperationResult result = await new DeviceCommandOperation(["show version", "show bogus", "show long"]).ExecuteAsync(Router, new SessionOperationContext(session), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Equal(1, result.ExitCode);
        IReadOnlyList<CommandSection> commands = CommandSections.Parse(result.Stdout.Text, result.Stderr.Text)!;
        Assert.Equal([0, 1], commands.Select(c => c.ExitCode));
        Assert.Contains("% Invalid input", commands[1].Stdout);
        Assert.Equal(3, commands[1].Count);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_PagingNotDisabled_AnswersMorePrompts()
    {
        var options = Options(f, o => o.Device.DisablePagingCommand = "");
        await using ISession session = await new SshTransport(options).OpenAsync(Router with { Transport = TransportNames.Ssh, Vars = new Dictionary<string, object?>(Router.Vars) { ["fanout_device"] = "true" } }, CancellationToken.None);

        var (result, stdout, _) = await RunAsync(session, "show long");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(60, stdout.Split('\n').Count(l => l.StartsWith("interface ", StringComparison.Ordinal)));
        Assert.DoesNotContain("More", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_InvalidCommand_FailsAndStopsBeforeLaterCommands()
    {
        await using ISession session = await new DeviceTransport(new SshTransport(Options(f))).OpenAsync(Router, CancellationToken.None);

        var (result, stdout, _) = await RunAsync(session, "show version\nshow bogus\nshow long");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("% Invalid input", stdout);
        Assert.DoesNotContain("interface 1 up", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_PromptNeverMatches_TimesOutNamingPattern()
    {
        var options = Options(f, o => { o.Device.PromptPattern = "^switch>$"; o.Device.PromptTimeout = TimeSpan.FromSeconds(1); });
        await using ISession session = await new DeviceTransport(new SshTransport(options)).OpenAsync(Router, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<TransportException>(() => RunAsync(session, "show version"));

        Assert.Contains("^switch>$", ex.Message);
    }
}
