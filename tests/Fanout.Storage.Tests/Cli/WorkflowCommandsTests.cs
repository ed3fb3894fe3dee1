using System.Diagnostics;
using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// <c>fanout run</c>, <c>approve</c>, <c>reject</c> and workflow <c>resume</c> through the real executable:
/// approval from a second process, resume after kill -9, breaker state across runs, exit codes.
/// </summary>
public sealed class WorkflowCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Starts <c>fanout run</c> and returns the process with a reader of its plain progress lines (stderr).</summary>
    private static (Process Process, Func<string, Task<string>> WaitForLine, Task<string> Stdout) Start(string dir, params string[] args)
    {
        Process p = FanoutProcess.Start(dir, args);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        var lines = new List<string>();
        var changed = new SemaphoreSlim(0);
        _ = Task.Run(async () =>
        {
            while (await p.StandardError.ReadLineAsync() is { } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                changed.Release();
            }

            changed.Release(int.MaxValue / 2);
        });
        async Task<string> WaitForLine(string fragment)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                lock (lines)
                {
                    if (lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } found)
                    {
                        return found;
                    }

                    Assert.False(p.HasExited && changed.CurrentCount > 1000, $"fanout ended without printing '{fragment}':\n{string.Join("\n", lines)}");
                }

                await changed.WaitAsync(deadline.Token);
            }
        }

        return (p, WaitForLine, stdout);
    }

    private const string ApprovalWorkflow = """
        name: gated
        steps:
          - {name: build, command: echo built}
          - {name: gate, manual_approval: true}
          - {name: ship, command: echo shipped}
        """;

    [Theory(Timeout = 120000)]
    [InlineData("approve", 0)]
    [InlineData("reject", 1)]
    public async Task Run_WaitingForApproval_ProceedsWhenASecondProcessDecides(string verb, int exitCode)
    {
        string file = Write("gated.yaml", ApprovalWorkflow);
        (Process run, var waitForLine, Task<string> stdout) = Start(_dir, "run", file, "--progress", "--store", Store);
        using (run)
        {
            string line = await waitForLine("waiting for approval: fanout approve ");
            string runId = line[(line.IndexOf("fanout approve ", StringComparison.Ordinal) + 15)..].Split(' ')[0];
            FanoutProcess.Result history = await FanoutProcess.RunAsync(_dir, "history", "--output", "json", "--store", Store);
            Assert.Contains("\"status\": \"awaiting-approval\"", history.Stdout.Replace("\":\"", "\": \"", StringComparison.Ordinal));

            FanoutProcess.Result decided = await FanoutProcess.RunAsync(_dir, verb, runId, "gate", "--comment", "checked", "--store", Store);
            Assert.True(decided.ExitCode == 0, decided.Stderr);

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await run.WaitForExitAsync(deadline.Token);
            Assert.Equal(exitCode, run.ExitCode);
            Assert.Equal(verb == "approve", (await stdout).Contains("ship: shipped", StringComparison.Ordinal));

            await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
            ApprovalRecord approval = Assert.Single(await store.Workflows!.GetApprovalsAsync(runId, CancellationToken.None));
            Assert.Equal((verb == "approve" ? "approved" : "rejected", "checked"), (approval.Status, approval.Comment!));
            Assert.Equal(verb == "approve" ? RunStatus.Succeeded : RunStatus.Failed, (await store.GetRunAsync(runId, CancellationToken.None))!.Status);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Resume_AfterSigkill_SkipsCompletedStepsRestoresOutputsAndAsksForNonIdempotentSteps()
    {
        string count = Path.Combine(_dir, "count");
        string marker = Path.Combine(_dir, "marker");
        string result = Path.Combine(_dir, "result");
        string file = Write("crash.yaml", $$$"""
            name: crash
            steps:
              - {name: first, command: "echo ran >> {{{count}}}; echo captured-value", capture_output: x}
              - {name: slow, command: "if [ -f {{{marker}}} ]; then echo resumed; else touch {{{marker}}}; sleep 8; fi"}
              - {name: last, command: "echo {{ .outputs.x }} > {{{result}}}"}
            """);
        (Process run, var waitForLine, _) = Start(_dir, "run", file, "--progress", "--store", Store);
        string runId;
        using (run)
        {
            await waitForLine("first: succeeded"); // plain lines: one per finished step
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (!File.Exists(marker))
                {
                    await Task.Delay(10, deadline.Token); // the step's process has started once it made its marker
                }
            }

            run.Kill(); // SIGKILL
            await run.WaitForExitAsync();
            await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
            RunRecord crashed = Assert.Single(await store.QueryRunsAsync(new RunQuery(), CancellationToken.None));
            Assert.Equal(RunStatus.Interrupted, crashed.Status);
            runId = crashed.RunId;
        }

        // Not idempotent and no terminal to ask at: refused without --yes.
        FanoutProcess.Result refused = await FanoutProcess.RunAsync(_dir, "resume", runId, "--store", Store);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not marked idempotent", refused.Stderr);
        Assert.False(File.Exists(result));

        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, "resume", runId, "--yes", "--store", Store);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(["ran"], File.ReadAllLines(count)); // the completed step did not run again
        Assert.Equal("captured-value", File.ReadAllText(result).Trim()); // its output was restored
        Assert.Contains("slow: resumed", resumed.Stdout);
    }

    [Fact(Timeout = 120000)]
    public async Task Run_BreakerOpenedByAnEarlierRun_ShortCircuitsTheStepInTheNextRun()
    {
        string calls = Path.Combine(_dir, "calls");
        string file = Write("breaker.yaml", $$"""
            name: breaker
            circuit_breakers:
              api: {failure_threshold: 1, recovery_timeout: 1h, fallback: [cached_rates]}
            steps:
              - name: call
                command: "echo call >> {{calls}}; exit 1"
                circuit_breaker: api
                fallback_steps: [{name: cached, command: echo using cache}]
            """);

        FanoutProcess.Result first = await FanoutProcess.RunAsync(_dir, "run", file, "--store", Store);
        FanoutProcess.Result second = await FanoutProcess.RunAsync(_dir, "run", file, "--store", Store, "--output", "json");

        Assert.Equal(0, first.ExitCode); // the fallback step handled the failure
        Assert.Equal(0, second.ExitCode);
        Assert.Single(File.ReadAllLines(calls));
        Assert.Contains("\"state\": \"short-circuited\"", second.Stdout);
        Assert.Contains("cached_rates", second.Stdout);
        await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
        Assert.Equal("open", (await store.Workflows!.GetBreakerAsync("breaker", "api", CancellationToken.None))!.State);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_FailedValidationRule_ExitsTwoAndRunsNothing()
    {
        string file = Write("v.yaml", $$"""
            name: v
            parameters: [{name: n, type: number, default: 5}]
            validation: [{name: small, expression: ".n < 3", message: "n must be below 3"}]
            steps: [{name: s, command: "touch {{Path.Combine(_dir, "ran")}}"}]
            """);

        FanoutProcess.Result result = await FanoutProcess.RunAsync(_dir, "run", file, "--store", Store);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("n must be below 3", result.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "ran")));
    }
}
