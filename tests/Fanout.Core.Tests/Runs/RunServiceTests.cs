using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Transports;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Core.Tests.Runs;

public sealed class RunServiceTests
{
    [Fact]
    public void NewRunId_IsSortableUtcTimestampWithRandomSuffix()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 13, 4, 5, TimeSpan.Zero));
        var service = new RunService(timeProvider: time);

        string id = service.NewRunId();

        Assert.Matches(@"^20261125-130405-[0-9a-f]{8}$", id);
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_CommandOnLocalTargets_ReportsExitCodesAndErrors()
    {
        var service = new RunService();
        Target[] targets = [new() { Name = "ok" }, new() { Name = "bad" }];
        var operation = new CommandOperation(CommandSpec.Sh("[ $FANOUT_TARGET = ok ] || { echo 'no good' >&2; echo more >&2; exit 5; }"));

        BatchResult result = await service.ExecuteAsync(operation, targets, new ExecutionOptions(), runId: "r1");

        Assert.Equal("r1", result.RunId);
        Assert.Equal(TargetState.Succeeded, result.Outcomes[0].State);
        Assert.Equal(TargetState.Failed, result.Outcomes[1].State);
        Assert.Equal(5, result.Outcomes[1].ExitCode);
        Assert.Equal("exit code 5: more", result.Outcomes[1].Error); // the last meaningful stderr line (issue 10 item 9)
    }
}
