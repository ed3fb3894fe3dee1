using Fanout.Cli.Rendering;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Output;

namespace Fanout.Cli.Tests.Rendering;

public sealed class RenderingTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static BatchResult Sample() => new()
    {
        RunId = "20261125-120000-abcd",
        Operation = "exec",
        StartedAt = Start,
        EndedAt = Start.AddSeconds(2.5),
        Outcomes =
        [
            new TargetOutcome { Target = "web-01", State = TargetState.Succeeded, ExitCode = 0, Attempts = 1, Wave = 1, StartedAt = Start, Duration = TimeSpan.FromMilliseconds(210), Stdout = new CapturedOutput("hello\n", 6, null) },
            new TargetOutcome { Target = "web-02", State = TargetState.Failed, ExitCode = 3, Attempts = 2, Wave = 1, StartedAt = Start, Duration = TimeSpan.FromSeconds(1.5), Error = "exit code 3: disk full\nmore" },
            new TargetOutcome { Target = "db-primary-01", State = TargetState.TimedOut, Attempts = 1, Wave = 2, StartedAt = Start, Duration = TimeSpan.FromSeconds(30), Error = "timed out after 30s" },
            new TargetOutcome { Target = "db-02", State = TargetState.NotRun, Wave = 2 },
        ],
        WaveCount = 2,
    };

    [Fact]
    public void SummaryRenderer_MixedOutcomes_MatchesSnapshot()
    {
        var text = new StringWriter();

        SummaryRenderer.Render(TestConsoleOutput.CreatePlainConsole(text, 100), text, Sample());

        Snapshot.Verify("summary-table", text.ToString());
    }

    [Fact]
    public void PlainProgressWriter_Events_MatchSnapshot()
    {
        var text = new StringWriter();
        var writer = new PlainProgressWriter(text);
        BatchResult result = Sample();
        const string id = "r";

        writer.OnEvent(new RunStarted { RunId = id, Timestamp = Start, Operation = "exec", Total = 4, WaveCount = 2, MaxConcurrency = 10 });
        writer.OnEvent(new WaveStarted { RunId = id, Timestamp = Start, Wave = 1, WaveCount = 2, Targets = ["web-01", "web-02"] });
        writer.OnEvent(new TargetFinished { RunId = id, Timestamp = Start, Outcome = result.Outcomes[0] });
        writer.OnEvent(new TargetRetrying { RunId = id, Timestamp = Start, Target = "web-02", Attempt = 1, Delay = TimeSpan.FromSeconds(1), Error = "exit code 3: disk full" });
        writer.OnEvent(new TargetFinished { RunId = id, Timestamp = Start, Outcome = result.Outcomes[1] });
        writer.OnEvent(new WaveStarted { RunId = id, Timestamp = Start, Wave = 2, WaveCount = 2, Targets = ["db-primary-01", "db-02"] });
        writer.OnEvent(new TargetFinished { RunId = id, Timestamp = Start, Outcome = result.Outcomes[2] });
        writer.OnEvent(new TargetFinished { RunId = id, Timestamp = Start, Outcome = result.Outcomes[3] });

        Snapshot.Verify("plain-progress", text.ToString());
    }

    [Fact]
    public void ResultWriter_Json_RoundTripsStatesAndNulls()
    {
        var text = new StringWriter();

        ResultWriter.WriteJson(text, Sample());

        Snapshot.Verify("result-json", text.ToString());
    }

    [Fact]
    public void LiveProgressDisplay_Snapshot_ShowsBarCountsWaveAndSlowest()
    {
        var snapshot = new ProgressSnapshot
        {
            Operation = "exec",
            Total = 10,
            Completed = 5,
            Succeeded = 4,
            Failed = 1,
            Wave = 1,
            WaveCount = 2,
            Elapsed = TimeSpan.FromSeconds(10),
            Eta = TimeSpan.FromSeconds(10),
            RunningCount = 2,
            Slowest = [new RunningTarget("web-07", Start, TimeSpan.FromSeconds(9), 2)],
        };
        var text = new StringWriter();

        TestConsoleOutput.CreatePlainConsole(text, 140).Write(LiveProgressDisplay.Build(snapshot));

        Snapshot.Verify("live-progress", text.ToString());
    }
}
