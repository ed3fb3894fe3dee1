using Fanout.Cli.Rendering;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Workflows.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Cli.Tests.Rendering;

/// <summary>The workflow side of the one renderer: plain lines and the live step tree, both fed by the run's events.</summary>
public sealed class WorkflowProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static IEnumerable<RunEvent> Events()
    {
        yield return new RunStarted { RunId = "R", Timestamp = T0, Operation = "deploy", Total = 7, WaveCount = 1, MaxConcurrency = 0 };
        yield return new StepStarted { RunId = "R", Timestamp = T0, Path = "build", Attempt = 1 };
        yield return new TargetFinished { RunId = "R", Timestamp = T0, Step = "build", Outcome = new TargetOutcome { Target = "build", State = TargetState.Succeeded, Attempts = 1 } };
        yield return new StepFinished { RunId = "R", Timestamp = T0, Path = "build", State = StepState.Succeeded, Attempts = 1, Duration = TimeSpan.FromSeconds(1.5) };
        yield return new StepStarted { RunId = "R", Timestamp = T0, Path = "g/rollout", Attempt = 1, Targets = 4 };
        foreach ((string t, TargetState state) in new[] { ("node-1", TargetState.Succeeded), ("node-2", TargetState.Failed), ("node-3", TargetState.Succeeded), ("node-4", TargetState.Succeeded) })
        {
            yield return new TargetFinished { RunId = "R", Timestamp = T0, Step = "g/rollout", Outcome = new TargetOutcome { Target = "g/rollout/" + t, State = state, Attempts = 1, ExitCode = state == TargetState.Failed ? 3 : 0, Duration = TimeSpan.FromSeconds(0.25), Error = state == TargetState.Failed ? "exit code 3" : null } };
        }

        yield return new StepFinished { RunId = "R", Timestamp = T0, Path = "g/rollout", State = StepState.Succeeded, Attempts = 1, Targets = 4, FailedTargets = ["node-2"], Duration = TimeSpan.FromSeconds(2) };
        yield return new StepStarted { RunId = "R", Timestamp = T0, Path = "g/b", Attempt = 2, Message = "retry 2/2 in 1s" };
        yield return new StepFinished { RunId = "R", Timestamp = T0, Path = "g/b", State = StepState.Failed, Attempts = 2, Error = "exit code 2", Duration = TimeSpan.FromSeconds(3) };
        yield return new ApprovalRequested { RunId = "R", Timestamp = T0, Path = "gate" };
        yield return new StepFinished { RunId = "R", Timestamp = T0, Path = "announce", State = StepState.Skipped, SkipReason = "when '.is_production' is false" };
    }

    [Fact]
    public void PlainLines_OnePerFinishedStepAndTarget_MatchSnapshot()
    {
        var writer = new StringWriter();
        var plain = new PlainProgressWriter(writer);

        foreach (RunEvent e in Events())
        {
            plain.OnEvent(e);
        }

        Snapshot.Verify("workflow-plain-progress", writer.ToString());
    }

    [Fact]
    public void LiveDisplay_DrawsTheBarOverUnitsAndTheStepTree()
    {
        var time = new FakeTimeProvider(T0);
        var tracker = new ProgressTracker(time);
        var tree = new StepTree(["build", "g", "g/rollout", "g/b", "gate", "announce"], ["build", "g/rollout", "g/b", "gate", "announce"], TimeSpan.FromMinutes(2));
        tracker.OnEvent(tree.OnEvent);
        foreach (RunEvent e in Events())
        {
            tracker.Publish(e);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        var text = new StringWriter();

        TestConsoleOutput.CreatePlainConsole(text, 120).Write(LiveProgressDisplay.Build(tracker.Snapshot(3), tree));

        Snapshot.Verify("workflow-live-tree", text.ToString());
    }

    [Theory]
    [InlineData(StepState.Running, 12, 334, 0, " (12/334)")]
    [InlineData(StepState.Succeeded, 334, 334, 0, " 334/334")]
    [InlineData(StepState.Succeeded, 334, 334, 3, " 331/334 (3 failed: node-0113, node-0114, node-0115)")]
    [InlineData(StepState.Failed, 334, 334, 5, " 329/334 (5 failed: node-0113, node-0114, node-0115, …)")]
    [InlineData(StepState.Succeeded, 0, 0, 0, "")]
    public void Tally_NamesUpToThreeFailedTargets(StepState state, int done, int total, int failed, string expected)
    {
        string[] names = [.. Enumerable.Range(113, failed).Select(i => $"node-{i:D4}")];

        Assert.Equal(expected, StepTree.Tally(state, done, total, names));
    }
}
