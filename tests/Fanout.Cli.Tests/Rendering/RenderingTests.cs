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
        using var raw = new MemoryStream();

        ResultWriter.WriteJson(text, raw, Sample());

        // Written one target at a time (issue 11: bounded memory), the bytes are those of the whole document serialized at once.
        string streamed = System.Text.Encoding.UTF8.GetString(raw.ToArray());
        Assert.Equal(Fanout.Documents.DocumentWriter.ToJson(Fanout.Documents.ResultDocuments.From(Sample())), streamed);
        Snapshot.Verify("result-json", streamed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void ResultWriter_Json_OneTargetAtATime_WritesTheBytesOfTheWholeDocument(int targets)
    {
        // Data of every kind, rollbacks, escapes, non-ASCII, invalid UTF-8 and a spilled-size output.
        BatchResult result = Sample() with
        {
            Outcomes = [.. Enumerable.Range(0, targets).Select(i => new TargetOutcome
            {
                Target = $"t\"{i}é",
                State = i == 0 ? TargetState.Succeeded : TargetState.Failed,
                ExitCode = i,
                Attempts = 1,
                Wave = 1,
                StartedAt = Start,
                Duration = TimeSpan.FromMilliseconds(12.345 * (i + 1)),
                Stdout = new CapturedOutput("line\r\n\t<tag> \u001b[1m ünïcødé \ud83d\ude00\n", 1_000_000, null),
                Stderr = new CapturedOutput("\ufffd\ufffd", 2, null),
                Error = i == 0 ? null : "exit code 1: \"quoted\"\nsecond line",
                Data = new Dictionary<string, object?> { ["filesCopied"] = 3, ["bytesCopied"] = 12L, ["dryRun"] = true, ["ratio"] = 0.5, ["note"] = "x", ["none"] = null },
            })],
            Rollbacks = targets == 0 ? [] : [new RollbackOutcome("t\"0é", true, null)],
        };
        var text = new StringWriter();
        using var raw = new MemoryStream();

        ResultWriter.WriteJson(text, raw, result);

        Assert.Equal(Fanout.Documents.DocumentWriter.ToJson(Fanout.Documents.ResultDocuments.From(result)), System.Text.Encoding.UTF8.GetString(raw.ToArray()));
        Assert.Equal(string.Empty, text.ToString());
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
