using System.Text;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;
using Fanout.Transports.Ssh;
using static Fanout.Core.Tests.Transports.Ssh.SshTestHelpers;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>
/// <c>script</c> over a real sshd on loopback (its <c>/tmp</c> is this machine's): the uploaded copy runs under the interpreter
/// of its <c>#!</c> line with its arguments and exit status, and is gone afterwards — after a normal end and after a timeout.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshScriptTests(SshdFixture f)
{
    [Fact(Timeout = 60000)]
    public async Task Script_RunsWithItsArgumentsAndExitStatus_AndItsCopyIsRemoved()
    {
        string name = $"ssh-script-{Guid.NewGuid():N}.sh";
        var script = new ScriptOperation(name, Encoding.UTF8.GetBytes("#!/bin/sh\necho \"$0|$1|$2\"\nexit 4\n"), ["one", "two words"]);

        BatchResult result = await Executor().ExecuteAsync(script, [Direct(f)]);

        TargetOutcome outcome = result.Outcomes[0];
        Assert.Equal((TargetState.Failed, 4), (outcome.State, outcome.ExitCode));
        string[] printed = outcome.Stdout.Text.Trim().Split('|');
        Assert.StartsWith("/tmp/fanout-", printed[0], StringComparison.Ordinal);
        Assert.EndsWith(name, printed[0], StringComparison.Ordinal);
        Assert.Equal(["one", "two words"], printed[1..]);
        Assert.False(File.Exists(printed[0]), "the uploaded copy was left behind");
    }

    [Fact(Timeout = 60000)]
    public async Task Script_TimedOut_ItsCopyIsRemoved()
    {
        string name = $"ssh-script-timeout-{Guid.NewGuid():N}.sh";
        var script = new ScriptOperation(name, Encoding.UTF8.GetBytes("sleep 30\n"));

        BatchResult result = await Executor(TimeSpan.FromSeconds(1)).ExecuteAsync(script, [Direct(f)]);

        Assert.Equal(TargetState.TimedOut, result.Outcomes[0].State);
        Assert.Empty(Directory.GetFiles("/tmp", "fanout-*-" + name));
    }

    private BatchExecutor Executor(TimeSpan? timeout = null) =>
        new(new ExecutionOptions { Timeout = timeout ?? TimeSpan.FromSeconds(30) }, new TransportRegistry().Register(new SshTransport(Options(f))));
}
