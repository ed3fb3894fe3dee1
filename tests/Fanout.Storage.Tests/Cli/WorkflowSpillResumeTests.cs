using System.Diagnostics;
using System.Text.Json;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 11 / SPEC X12: a workflow run killed (SIGKILL) while a step's long output is spilled leaves its spill directory
/// behind; <c>fanout resume</c> of that run removes it (its owner is known gone, however recent the kill), and the resumed
/// run leaves nothing under the spill root when it ends.
/// </summary>
public sealed class WorkflowSpillResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wfspill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 300000)]
    public async Task WorkflowRun_KilledWhileSpilling_ResumedRun_LeavesNoSpillFiles()
    {
        string tmp = Directory.CreateDirectory(Path.Combine(_dir, "tmp")).FullName;
        string spillRoot = Path.Combine(tmp, "fanout", "spill");
        string mark = Path.Combine(_dir, "slept");
        var environment = new Dictionary<string, string>
        {
            ["TMPDIR"] = tmp,
            ["FANOUT_STORE"] = Path.Combine(_dir, "runs.db"),
            ["XDG_CONFIG_HOME"] = Path.Combine(_dir, ".config"),
        };
        string workflow = Path.Combine(_dir, "wf.yaml");
        await File.WriteAllTextAsync(workflow, $$"""
            name: spill
            steps:
              - name: big
                command: "seq 1 200000; if [ ! -f {{mark}} ]; then touch {{mark}}; sleep 120; fi"
            """);

        using (Process run = FanoutProcess.Start(_dir, environment, "run", workflow))
        {
            _ = run.StandardOutput.ReadToEndAsync();
            Task<string> err = run.StandardError.ReadToEndAsync();
            var watch = Stopwatch.StartNew();
            while (!File.Exists(mark) || !Directory.Exists(spillRoot) || !Directory.EnumerateFiles(spillRoot, "*", SearchOption.AllDirectories).Any(f => !f.EndsWith(".owner", StringComparison.Ordinal)))
            {
                Assert.False(run.HasExited, "the run ended before it spilled: " + (run.HasExited ? await err : string.Empty));
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), "the step did not spill in time");
                await Task.Delay(100);
            }

            run.Kill(entireProcessTree: true); // SIGKILL: no exit hooks, the spill directory stays
            await run.WaitForExitAsync();
        }

        Assert.Single(Directory.GetDirectories(spillRoot));
        FanoutProcess.Result history = await FanoutProcess.RunAsync(_dir, environment, "history", "-o", "json");
        string runId = JsonDocument.Parse(history.Stdout).RootElement.GetProperty("runs")[0].GetProperty("runId").GetString()!;

        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, environment, "resume", runId, "--yes", "-q");

        Assert.True(resumed.ExitCode == 0, $"exit {resumed.ExitCode}: {resumed.Stdout}\n{resumed.Stderr}");
        Assert.Empty(Directory.GetFileSystemEntries(spillRoot));
    }
}
