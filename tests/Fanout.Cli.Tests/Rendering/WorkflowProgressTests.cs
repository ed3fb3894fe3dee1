using Fanout.Cli.Rendering;
using Fanout.Workflows.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Cli.Tests.Rendering;

public sealed class WorkflowProgressTests
{
    [Fact]
    public void PlainLines_OnePerStateChange_MatchSnapshot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var writer = new StringWriter();
        var progress = new WorkflowProgress("deploy", ["build", "g/a", "g/b", "gate", "announce"], ["build", "g", "g/a", "g/b", "gate", "announce"], time, null, writer);

        void At(double seconds, string path, StepState state, string? message = null, int done = 0, int total = 0)
        {
            time.SetUtcNow(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds));
            progress.OnEvent(new WorkflowStepEvent(path, state, time.GetUtcNow(), done, total, message));
        }

        At(0.1, "build", StepState.Running);
        At(1.5, "build", StepState.Succeeded);
        At(1.6, "g/a", StepState.Running, null, 1, 3);
        At(2, "g/b", StepState.Failed, "exit code 2");
        At(3, "gate", StepState.AwaitingApproval, "waiting for approval: fanout approve R gate");
        At(4, "announce", StepState.Skipped, "when '.is_production' is false");

        Snapshot.Verify("workflow-plain-progress", writer.ToString());
    }

    [Fact]
    public void LiveTree_ShowsMarksCountsPercentAndTimeLeft()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var progress = new WorkflowProgress("deploy", ["build", "g/a", "g/b", "gate"], ["build", "g", "g/a", "g/b", "gate"], time, TimeSpan.FromMinutes(2), null);
        progress.OnEvent(new WorkflowStepEvent("build", StepState.Succeeded, time.GetUtcNow()));
        progress.OnEvent(new WorkflowStepEvent("g", StepState.Running, time.GetUtcNow()));
        progress.OnEvent(new WorkflowStepEvent("g/a", StepState.Running, time.GetUtcNow(), 2, 5));
        progress.OnEvent(new WorkflowStepEvent("g/b", StepState.Skipped, time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(30));
        var text = new StringWriter();

        TestConsoleOutput.CreatePlainConsole(text, 100).Write(progress.Build());

        Snapshot.Verify("workflow-live-tree", text.ToString());
    }
}
