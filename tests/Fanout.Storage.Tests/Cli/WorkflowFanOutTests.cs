using System.Diagnostics;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 9 item 3 through the real executable and a real SQLite store: a workflow is recorded by the same recorder as
/// exec runs — every target of a <c>targets:</c> step is an attempt row of its own (<c>STEP/TARGET</c>) with its own
/// output and log file, visible in <c>show</c>, <c>history</c>, <c>logs</c> and <c>export</c>; and <c>resume</c> after
/// kill -9 inside a fan-out step skips the targets that completed, as exec resume does.
/// </summary>
public sealed class WorkflowFanOutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wf-fan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", Store]);

    [Fact(Timeout = 180000)]
    public async Task Run_FanOutWithinMaxFailPercent_EachTargetIsAnAttemptRow_FailuresVisibleEverywhere()
    {
        string inventory = FanoutProcess.WriteInventory(_dir, 10);
        string file = Path.Combine(_dir, "rollout.yaml");
        File.WriteAllText(file, """
            name: rollout
            steps:
              - {name: build, command: echo built}
              - name: rollout
                command: |
                  case $FANOUT_TARGET in
                    t003|t007) echo broken $FANOUT_TARGET >&2; exit 3 ;;
                    t005) head -c 70000 /dev/zero | tr '\0' y ;;
                    *) echo hello $FANOUT_TARGET ;;
                  esac
                targets: {pattern: "t*", parallel: 4, max_fail_percent: 25}
                capture_output: greetings
            """);

        FanoutProcess.Result run = await Fanout("run", file, "-i", inventory);

        // The step succeeded within its threshold, but says which targets failed — in the plain lines and the summary.
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("✓ rollout: succeeded 8/10 (2 failed: t003, t007)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("rollout/t003  failed     exit=3", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("rollout: 8/10 targets succeeded (2 failed: t003, t007)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("  greetings = 10 value(s): t000=hello t000, t001=hello t001", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("{\"t000\"", run.Stdout, StringComparison.Ordinal); // no wall of JSON

        // history: the run succeeded, and its counts hold every unit (1 plain step + 10 targets), 2 of them failed.
        JsonElement history = JsonDocument.Parse((await Fanout("history", "-o", "json")).Stdout).RootElement.GetProperty("runs")[0];
        string runId = history.GetProperty("runId").GetString()!;
        Assert.Equal(("workflow", "succeeded", 11, 9, 2), (history.GetProperty("kind").GetString(), history.GetProperty("status").GetString(),
            history.GetProperty("total").GetInt32(), history.GetProperty("succeeded").GetInt32(), history.GetProperty("failed").GetInt32()));

        // export / show / logs: one row per target with its own output; the long one has a log file.
        JsonElement export = JsonDocument.Parse((await Fanout("export", runId, "--format", "json")).Stdout).RootElement;
        var targets = export.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!, t => t);
        Assert.Equal(["build", .. Enumerable.Range(0, 10).Select(i => $"rollout/t{i:D3}")], targets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("failed", 3, "broken t003\n"), (targets["rollout/t003"].GetProperty("state").GetString(), targets["rollout/t003"].GetProperty("exitCode").GetInt32(), targets["rollout/t003"].GetProperty("stderr").GetString()));
        Assert.Equal("hello t001\n", targets["rollout/t001"].GetProperty("stdout").GetString());
        FanoutProcess.Result show = await Fanout("show", runId);
        Assert.Contains("rollout/t007", show.Stdout, StringComparison.Ordinal);
        FanoutProcess.Result longLog = await Fanout("logs", runId, "--target", "rollout/t005");
        Assert.Equal(70000, longLog.Stdout.Count(c => c == 'y'));
        await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
        TargetAttemptRecord t005 = Assert.Single(await store.GetAttemptsAsync(runId, new AttemptQuery { Target = "rollout/t005" }, CancellationToken.None));
        Assert.NotNull(t005.StdoutLog);
        Assert.Equal(70000, new FileInfo(t005.StdoutLog!).Length);

        // The step events are in the run's one sequence-numbered stream, next to the targets' outcomes.
        IReadOnlyList<RunEventRecord> events = await store.GetEventsAsync(runId, 0, 1000, CancellationToken.None);
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Contains(events, e => e.Type == "StepFinished" && e.Payload.Contains("\"path\":\"rollout\"", StringComparison.Ordinal) && e.Payload.Contains("\"failedTargets\":2", StringComparison.Ordinal));
        Assert.Equal(11, events.Count(e => e.Type == "TargetFinished"));
    }

    [Fact(Timeout = 240000)]
    public async Task Resume_AfterSigkillInsideAFanOutStep_SkipsTheTargetsThatCompleted()
    {
        const int Targets = 60;
        const int Parallel = 6;
        string inventory = FanoutProcess.WriteInventory(_dir, Targets);
        string marks = Path.Combine(_dir, "marks.txt");
        string prepared = Path.Combine(_dir, "prepared.txt");
        string file = Path.Combine(_dir, "crash.yaml");
        File.WriteAllText(file, $$"""
            name: crash-fanout
            steps:
              - {name: prepare, command: "echo once >> {{prepared}}"}
              - name: rollout
                command: "echo $FANOUT_TARGET >> {{marks}} && sleep 0.2"
                targets: {pattern: "t*", parallel: {{Parallel}}}
            """);
        using Process run = FanoutProcess.Start(_dir, "run", file, "-i", inventory, "--store", Store);
        run.StandardInput.Close();
        _ = run.StandardOutput.ReadToEndAsync();
        _ = run.StandardError.ReadToEndAsync();

        // Act 1: kill -9 in the middle of the fan-out step, then let the orphaned target processes end.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
            while (CrashMarkers.Lines(marks).Length < 20)
            {
                Assert.False(run.HasExited, "fanout ended before it could be killed");
                await Task.Delay(5, deadline.Token);
            }
        }

        run.Kill(); // SIGKILL
        await run.WaitForExitAsync();
        await CrashMarkers.WaitForOrphansAsync(marks);
        string runId;
        HashSet<string> completedAtKill;
        HashSet<string> runningAtKill;
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            RunRecord crashed = Assert.Single(await store.QueryRunsAsync(new RunQuery(), CancellationToken.None));
            Assert.Equal(RunStatus.Interrupted, crashed.Status);
            runId = crashed.RunId;
            IReadOnlyList<TargetAttemptRecord> latest = await store.GetAttemptsAsync(runId, new AttemptQuery { LatestOnly = true }, CancellationToken.None);
            completedAtKill = [.. latest.Where(a => a.State == AttemptState.Succeeded && a.Target.StartsWith("rollout/", StringComparison.Ordinal)).Select(a => a.Target["rollout/".Length..])];
            runningAtKill = [.. latest.Where(a => a.State == AttemptState.Running).Select(a => a.Target["rollout/".Length..])];
        }

        Dictionary<string, int> before = CrashMarkers.Count(marks);
        Assert.NotEmpty(completedAtKill);
        Assert.True(completedAtKill.Count < Targets, "the kill came after the step ended");

        // Act 2: resume (--yes: the step was running at the kill and is not declared idempotent).
        FanoutProcess.Result resumed = await Fanout("resume", runId, "--yes");

        // Assert: every target ran; those that completed before the kill did not run again; at most the step's
        // parallelism ran twice (those in flight at the kill, recorded as running).
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Dictionary<string, int> after = CrashMarkers.Count(marks);
        Assert.Equal(Targets, after.Count);
        Assert.All(completedAtKill, t => Assert.Equal(before[t], after[t]));
        Assert.All(completedAtKill, t => Assert.Equal(1, after[t]));
        var rerun = after.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
        Assert.InRange(rerun.Count, 0, Parallel);
        Assert.All(rerun, t => Assert.Contains(t, runningAtKill));
        Assert.Equal(["once"], File.ReadAllLines(prepared)); // the completed plain step did not run again either
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            RunRecord done = (await store.GetRunAsync(runId, CancellationToken.None))!;
            Assert.Equal(RunStatus.Succeeded, done.Status);
            Assert.Equal(new RunCounts(Targets + 1, Targets + 1, 0, 0, 0, 0, 0), done.Counts);
            Assert.Equal(1, done.ResumeCount);
        }
    }
}
