using System.Diagnostics;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 14 item 4: completed work is never redone after a crash. A worker slot does not start its next target before
/// its previous outcome is durable (outcomes group-committed), so after kill -9 at any point of a 600-target run at
/// <c>--parallel 8</c> a resume runs again at most the 8 targets that were in flight — for <c>exec</c> and for a
/// workflow fan-out step. Real executable, real SQLite, targets short enough that many finish within one flush window.
/// </summary>
public sealed class CompletedWorkTests : IDisposable
{
    private const int Targets = 600;
    private const int Parallel = 8;
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-durable-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory(Timeout = 240000)]
    [InlineData("exec", 60)]
    [InlineData("exec", 300)]
    [InlineData("exec", 450)]
    [InlineData("workflow", 60)]
    [InlineData("workflow", 300)]
    [InlineData("workflow", 450)]
    public async Task Resume_AfterSigkill_RerunsAtMostTheTargetsInFlight(string kind, int killAfterLines)
    {
        // Arrange
        string inventory = FanoutProcess.WriteInventory(_dir, Targets);
        string store = Path.Combine(_dir, "store.db");
        string marks = Path.Combine(_dir, "marks.txt");
        string command = $"echo $FANOUT_TARGET >> {marks} && sleep 0.02";
        string[] args;
        if (kind == "exec")
        {
            args = ["exec", command, "-i", inventory, "--all", "--yes", "--parallel", Parallel.ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet", "--store", store];
        }
        else
        {
            string file = Path.Combine(_dir, "fanout.wf.yaml");
            File.WriteAllText(file, $$"""
                name: durable-fanout
                steps:
                  - name: rollout
                    command: "{{command}}"
                    idempotent: true
                    targets: {pattern: "t*", parallel: {{Parallel}}}
                """);
            args = ["run", file, "-i", inventory, "--store", store];
        }

        using Process run = FanoutProcess.Start(_dir, args);
        run.StandardInput.Close();
        _ = run.StandardOutput.ReadToEndAsync();
        _ = run.StandardError.ReadToEndAsync();

        // Act 1: SIGKILL once enough targets ran, then let the orphaned target processes end.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            while (CrashMarkers.Lines(marks).Length < killAfterLines)
            {
                Assert.False(run.HasExited, "fanout ended before it could be killed");
                await Task.Delay(2, deadline.Token);
            }
        }

        run.Kill(); // SIGKILL on Unix
        await run.WaitForExitAsync();
        await CrashMarkers.WaitForOrphansAsync(marks);
        Dictionary<string, int> before = CrashMarkers.Count(marks);
        Assert.True(before.Count < Targets, "the kill came after every target had started");
        string runId;
        await using (IRunStore s = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            RunRecord crashed = Assert.Single(await s.QueryRunsAsync(new RunQuery(), CancellationToken.None));
            Assert.Equal(RunStatus.Interrupted, crashed.Status);
            runId = crashed.RunId;
        }

        // Act 2: resume.
        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, "resume", runId, "--yes", "--store", store);

        // Assert: every target ran; at most the parallelism ran twice.
        Assert.True(resumed.ExitCode == 0, $"resume exited {resumed.ExitCode}: {resumed.Stderr}{resumed.Stdout}");
        Dictionary<string, int> after = CrashMarkers.Count(marks);
        Assert.Equal(Targets, after.Count);
        List<string> rerun = [.. after.Where(kv => kv.Value > 1).Select(kv => kv.Key)];
        Assert.True(rerun.Count <= Parallel, $"{rerun.Count} targets ran again after the kill at {killAfterLines} lines ({before.Count} had started): {string.Join(", ", rerun)}");
        Assert.All(after.Values, n => Assert.InRange(n, 1, 2));
    }
}
