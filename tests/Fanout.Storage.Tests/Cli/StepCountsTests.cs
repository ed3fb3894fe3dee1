using System.Diagnostics;
using System.Text.Json;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 14, item 3 (consistency): one definition of step counts (<c>Fanout.Workflows.Engine.StepCounts</c>) — the final
/// line of <c>fanout run</c>, the <c>--output json</c> figures, the plain progress lines and <c>fanout history</c> agree,
/// through the real executable: groups are not steps, a never-run step is not-run (never ✗ or failed), a timed-out step
/// is timed-out (a failure, not a skip), a step stopped by Ctrl-C is cancelled.
/// </summary>
public sealed class StepCountsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-counts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Dictionary<string, long> Figures(JsonElement doc) =>
        doc.GetProperty("figures").EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Name.EndsWith("_steps", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Value.GetInt64());

    private async Task<JsonElement> HistoryRunAsync(string runId)
    {
        FanoutProcess.Result h = await FanoutProcess.RunAsync(_dir, "history", "--store", Store, "--limit", "10", "-o", "json");
        Assert.True(h.ExitCode == 0, h.Stderr);
        return JsonDocument.Parse(h.Stdout).RootElement.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("runId").GetString() == runId);
    }

    private static void AssertHistory(JsonElement run, int total, int succeeded, int failed, int timedOut, int cancelled, int skipped, int notRun)
    {
        Assert.Equal(total, run.GetProperty("total").GetInt32());
        Assert.Equal(succeeded, run.GetProperty("succeeded").GetInt32());
        Assert.Equal(failed, run.GetProperty("failed").GetInt32());
        Assert.Equal(timedOut, run.GetProperty("timedOut").GetInt32());
        Assert.Equal(cancelled, run.GetProperty("cancelled").GetInt32());
        Assert.Equal(skipped, run.GetProperty("skipped").GetInt32());
        Assert.Equal(notRun, run.GetProperty("notRun").GetInt32());
    }

    [Fact(Timeout = 240000)]
    public async Task Run_TimedOutStep_GroupSkipAndNotRun_FinalLineJsonFiguresAndHistoryAgree()
    {
        string file = Write("counts.yaml", """
            name: counts
            steps:
              - name: first
                command: echo one
              - name: checks
                parallel: true
                steps:
                  - name: a
                    command: echo a
                  - name: never
                    when: "false"
                    command: echo never
              - name: slow
                command: sleep 30
                timeout: 1s
              - name: after
                command: echo after
            """);

        // Text: the final line counts the 5 leaf steps (the group 'checks' is not one).
        FanoutProcess.Result text = await FanoutProcess.RunAsync(_dir, "run", file, "--store", Store);
        Assert.True(text.ExitCode == 1, $"exit {text.ExitCode}: {text.Stderr}");
        string final = text.Stdout.Split('\n').Single(l => l.StartsWith("workflow counts failed", StringComparison.Ordinal));
        Assert.Contains(": 2 succeeded, 1 failed (1 timed out), 1 skipped, 1 not run (run ", final, StringComparison.Ordinal);
        Assert.Contains("✗ slow: timed-out", text.Stderr, StringComparison.Ordinal);
        Assert.Contains("↷ after: not-run", text.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("✗ after", text.Stderr, StringComparison.Ordinal);
        string textRun = final[(final.LastIndexOf("(run ", StringComparison.Ordinal) + 5)..].TrimEnd(')', '\r');
        AssertHistory(await HistoryRunAsync(textRun), total: 5, succeeded: 2, failed: 1, timedOut: 1, cancelled: 0, skipped: 1, notRun: 1);

        // JSON: the same counts as figures, and the same again in history.
        FanoutProcess.Result json = await FanoutProcess.RunAsync(_dir, "run", file, "--store", Store, "-o", "json");
        Assert.True(json.ExitCode == 1, json.Stderr);
        JsonElement doc = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["total_steps"] = 5, ["succeeded_steps"] = 2, ["failed_steps"] = 1, ["timed_out_steps"] = 1, ["short_circuited_steps"] = 0,
                ["cancelled_steps"] = 0, ["skipped_steps"] = 1, ["not_run_steps"] = 1,
            },
            Figures(doc));
        Dictionary<string, string> states = doc.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("state").GetString()!);
        Assert.Equal("timed-out", states["slow"]);
        Assert.Equal("not-run", states["after"]);
        Assert.Equal("skipped", states["checks/never"]);
        AssertHistory(await HistoryRunAsync(doc.GetProperty("runId").GetString()!), total: 5, succeeded: 2, failed: 1, timedOut: 1, cancelled: 0, skipped: 1, notRun: 1);
    }

    [Fact(Timeout = 240000)]
    public async Task Run_CtrlCMidRun_RunningStepCancelled_NeverStartedStepsNotRun_EverySurfaceAgrees()
    {
        string marker = Path.Combine(_dir, "slow.started");
        string file = Write("interrupted.yaml", $"""
            name: interrupted
            steps:
              - name: first
                command: echo one
              - name: work
                parallel: true
                steps:
                  - name: slow
                    command: "touch {marker}; sleep 60"
                  - name: later
                    depends_on: [slow]
                    command: echo later
              - name: last
                command: echo last
            """);

        foreach (string output in new[] { "text", "json" })
        {
            File.Delete(marker);
            string[] args = output == "json" ? ["run", file, "--store", Store, "-o", "json", "--progress"] : ["run", file, "--store", Store];
            using Process run = FanoutProcess.Start(_dir, args);
            run.StandardInput.Close();
            Task<string> stdout = run.StandardOutput.ReadToEndAsync();
            Task<string> stderr = run.StandardError.ReadToEndAsync();
            var waited = Stopwatch.StartNew();
            while (!File.Exists(marker))
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(120), "the slow step never started: " + (run.HasExited ? await stderr : "still running"));
                await Task.Delay(100);
            }

            await Task.Delay(300);
            using (Process kill = Process.Start("kill", ["-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
                Assert.True(kill.ExitCode == 0, $"kill -INT {run.Id} exited {kill.ExitCode}"); // a signal never sent is not a run that ignored it
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await run.WaitForExitAsync(timeout.Token);
            string err = await stderr;
            string outText = await stdout;
            Assert.True(run.ExitCode == 130, $"exit {run.ExitCode}: {err}");

            // Never-run steps are drawn ↷ and named not-run, the interrupted one ⊘ cancelled; nothing is ✗.
            Assert.Contains("⊘ work/slow: cancelled", err, StringComparison.Ordinal);
            Assert.Contains("↷ work/later: not-run", err, StringComparison.Ordinal);
            Assert.Contains("↷ last: not-run", err, StringComparison.Ordinal);
            Assert.DoesNotContain("✗", err, StringComparison.Ordinal);

            string runId;
            if (output == "text")
            {
                string final = outText.Split('\n').Single(l => l.StartsWith("workflow interrupted cancelled", StringComparison.Ordinal));
                Assert.Contains(": 1 succeeded, 0 failed, 1 cancelled, 0 skipped, 2 not run (run ", final, StringComparison.Ordinal);
                runId = final[(final.LastIndexOf("(run ", StringComparison.Ordinal) + 5)..].TrimEnd(')', '\r');
            }
            else
            {
                JsonElement doc = JsonDocument.Parse(outText).RootElement;
                Assert.Equal(
                    new Dictionary<string, long>
                    {
                        ["total_steps"] = 4, ["succeeded_steps"] = 1, ["failed_steps"] = 0, ["timed_out_steps"] = 0, ["short_circuited_steps"] = 0,
                        ["cancelled_steps"] = 1, ["skipped_steps"] = 0, ["not_run_steps"] = 2,
                    },
                    Figures(doc));
                runId = doc.GetProperty("runId").GetString()!;
            }

            AssertHistory(await HistoryRunAsync(runId), total: 4, succeeded: 1, failed: 0, timedOut: 0, cancelled: 1, skipped: 0, notRun: 2);
        }
    }
}
