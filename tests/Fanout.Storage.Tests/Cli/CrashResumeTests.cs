using System.Diagnostics;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// SPEC N6 / H3, the key property of the store: kill -9 the real fanout mid-run, then <c>fanout resume</c>:
/// every target ran exactly once, except targets that were running at the kill — they may have run twice,
/// and the store recorded them as running.
/// </summary>
public sealed class CrashResumeTests : IDisposable
{
    private const int Targets = 500;
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-crash-").FullName;
    private string? _crashedRunId;
    private HashSet<string>? _runningAtKill;
    private HashSet<string>? _completedAtKill;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory(Timeout = 180000)]
    [InlineData(40)]
    [InlineData(150)]
    [InlineData(300)]
    public async Task Resume_AfterSigkillMidRun_EveryTargetOnceExceptThoseRecordedRunning(int killAfterLines)
    {
        // Arrange
        string inventory = FanoutProcess.WriteInventory(_dir, Targets);
        string store = Path.Combine(_dir, "store.db");
        string output = Path.Combine(_dir, "out.txt");
        string command = $"echo $FANOUT_TARGET >> {output} && sleep 0.1";
        using Process run = FanoutProcess.Start(_dir, "exec", command, "-i", inventory, "--all", "--yes", "--parallel", "16", "--quiet", "--store", store);
        run.StandardInput.Close();
        _ = run.StandardOutput.ReadToEndAsync();
        _ = run.StandardError.ReadToEndAsync();

        // Act 1: SIGKILL once enough lines appeared, then let the orphaned target processes end.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (CountLines(output) < killAfterLines)
            {
                Assert.False(run.HasExited, "fanout ended before it could be killed");
                await Task.Delay(5, deadline.Token);
            }
        }

        run.Kill(); // SIGKILL on Unix
        await run.WaitForExitAsync();
        await CrashMarkers.WaitForOrphansAsync(output);

        await using (IRunStore s = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            RunRecord crashed = Assert.Single(await s.QueryRunsAsync(new RunQuery(), CancellationToken.None));
            Assert.Equal(RunStatus.Interrupted, crashed.Status); // detected: the owner pid is gone
            _crashedRunId = crashed.RunId;
            IReadOnlyList<TargetAttemptRecord> latest = await s.GetAttemptsAsync(crashed.RunId, new AttemptQuery { LatestOnly = true }, CancellationToken.None);
            _runningAtKill = [.. latest.Where(a => a.State == AttemptState.Running).Select(a => a.Target)];
            _completedAtKill = [.. latest.Where(a => a.State == AttemptState.Succeeded).Select(a => a.Target)];
        }

        Dictionary<string, int> beforeResume = CrashMarkers.Count(output);
        Assert.NotEmpty(_runningAtKill!); // the kill hit targets in flight: the interesting case
        Assert.True(_completedAtKill!.Count < Targets, "the kill came after the run ended"); // finishes lag by up to one 50 ms flush

        // Act 2: resume.
        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, "resume", _crashedRunId!, "--store", store, "--quiet");

        // Assert
        Assert.True(resumed.ExitCode == 0, $"resume exited {resumed.ExitCode}: {resumed.Stderr}{resumed.Stdout}");
        Dictionary<string, int> counts = CrashMarkers.Count(output);
        Assert.Equal(Targets, counts.Count);
        foreach ((string target, int n) in counts)
        {
            if (_runningAtKill!.Contains(target))
            {
                Assert.InRange(n, 1, 2);
            }
            else
            {
                Assert.True(n == 1, $"{target} ran {n} times but was not recorded as running at the kill");
            }
        }

        Assert.All(_completedAtKill!, t => Assert.Equal(beforeResume[t], counts[t])); // completed targets did not run again
        Assert.All(beforeResume.Keys.Where(t => beforeResume[t] > 0 && !_completedAtKill!.Contains(t)), t => Assert.Contains(t, _runningAtKill!));
        await using (IRunStore s = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            RunRecord done = (await s.GetRunAsync(_crashedRunId!, CancellationToken.None))!;
            Assert.Equal(RunStatus.Succeeded, done.Status);
            Assert.Equal(new RunCounts(Targets, Targets, 0, 0, 0, 0, 0), done.Counts);
            Assert.Equal(1, done.ResumeCount);
            var history = JsonDocument.Parse((await FanoutProcess.RunAsync(_dir, "history", "--store", store, "-o", "json")).Stdout);
            Assert.Equal("succeeded", history.RootElement.GetProperty("runs")[0].GetProperty("status").GetString());
        }
    }

    private static int CountLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int lines = 0;
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                lines += b == '\n' ? 1 : 0;
            }

            return lines;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }
}
