using Fanout.Core.Tests.Support;
using Fanout.Runs;
using Fanout.Workflows.Engine;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

public sealed class RetryAndHookTests
{
    [Fact(Timeout = 20000)]
    public async Task RunAsync_ExponentialRetry_WaitsDoublingDelaysCappedByMaxDelay()
    {
        var time = new ObservedTimeProvider();
        var executor = new ScriptedExecutor(time);
        Task<WorkflowRunResult> run = RunAsync("""
            name: retry
            steps:
              - name: flaky
                command: fail-3
                retry: {attempts: 4, delay: 2s, backoff: exponential, max_delay: 5s}
                on_retry:
                  - {name: reset, command: echo reset}
            """, executor, new WorkflowRunnerOptions { TimeProvider = time });

        var delays = new List<TimeSpan>();
        for (int i = 0; i < 3; i++)
        {
            delays.Add(await time.AdvanceNextTimerAsync());
        }

        WorkflowRunResult result = await run;
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5)], delays);
        Assert.Equal(4, result.Step("flaky", StepState.Succeeded).Attempts);
        var flakyStarts = executor.Log.Where(l => l.Path == "flaky" && l.Phase == "start").Select(l => l.At).ToList();
        Assert.Equal(TimeSpan.FromSeconds(2), flakyStarts[1] - flakyStarts[0]);
        Assert.Equal(TimeSpan.FromSeconds(4), flakyStarts[2] - flakyStarts[1]);
        // on_retry runs before each retry: reset, flaky, reset, flaky …
        var order = executor.Started.ToList();
        Assert.Equal(["flaky", "flaky/on_retry/reset", "flaky", "flaky/on_retry/reset", "flaky", "flaky/on_retry/reset", "flaky"], order);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_LinearBackoff_GrowsByTheDelay()
    {
        var time = new ObservedTimeProvider();
        var executor = new ScriptedExecutor(time);
        Task<WorkflowRunResult> run = RunAsync("""
            name: linear
            steps:
              - {name: s, command: fail, retry: {attempts: 3, delay: 1s, backoff: linear}}
            """, executor, new WorkflowRunnerOptions { TimeProvider = time });
        TimeSpan first = await time.AdvanceNextTimerAsync();
        TimeSpan second = await time.AdvanceNextTimerAsync();
        WorkflowRunResult result = await run;

        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), (first, second));
        Assert.Equal(3, result.Step("s", StepState.Failed).Attempts);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ErrorHandlingRetryStrategy_RetriesStepsWithoutTheirOwnPolicy()
    {
        var time = new ObservedTimeProvider();
        var executor = new ScriptedExecutor(time);
        Task<WorkflowRunResult> run = RunAsync("""
            name: strategy-retry
            error_handling: {strategy: retry, max_retries: 2, retry_delay: 3s}
            steps:
              - {name: s, command: fail-2}
            """, executor, new WorkflowRunnerOptions { TimeProvider = time });
        Assert.Equal(TimeSpan.FromSeconds(3), await time.AdvanceNextTimerAsync());
        Assert.Equal(TimeSpan.FromSeconds(3), await time.AdvanceNextTimerAsync());
        WorkflowRunResult result = await run;

        Assert.Equal(3, result.Step("s", StepState.Succeeded).Attempts);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_FailFast_StopsLaterStepsAndRunsFailureHooks()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: hooks
            steps:
              - name: a
                command: fail
                on_failure: [{name: page, command: echo paged}]
                on_success: [{name: never, command: echo never}]
              - {name: b, command: echo b}
            on_success: [{name: yay, command: echo yay}]
            on_failure: [{name: boo, command: echo boo}]
            post_execution:
              success: [{name: ps, command: echo ps}]
              failure: [{name: pf, command: echo pf}]
            """, executor);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(["a", "a/on_failure/page", "on_failure/boo", "post_execution/failure/pf"], executor.Started);
        Assert.StartsWith("not started", result.Step("b", StepState.NotRun).SkipReason);
        Assert.Contains("step 'a' failed", result.Error);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ContinueOnErrorStep_IsToleratedAndTheRunSucceeds()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: tolerated
            steps:
              - {name: a, command: fail, continue_on_error: true}
              - {name: b, command: echo b, depends_on: [a]}
            on_success: [{name: yay, command: echo yay}]
            """, executor);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.True(result.Step("a", StepState.Failed).FailureHandled);
        result.Step("b", StepState.Succeeded);
        result.Step("on_success/yay", StepState.Succeeded);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ContinueOnErrorStrategy_RunsIndependentStepsButFails()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: continue
            steps:
              - {name: a, command: fail}
              - {name: b, command: echo b}
            """, executor, new WorkflowRunnerOptions { ContinueOnError = true });

        Assert.Equal(RunStatus.Failed, result.Status);
        result.Step("b", StepState.Succeeded);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_WhenFalse_SkipsWithTheReasonAndDescendants()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: when
            parameters: [{name: stage, default: staging}]
            steps:
              - {name: prod_only, command: echo prod, when: ".stage == 'production'"}
              - name: group
                condition: "false"
                steps: [{name: inner, command: echo inner}]
              - {name: report, command: "echo {{ .steps.prod_only.status }}"}
            """, executor, parameters: new Dictionary<string, object?> { ["stage"] = "staging" });

        Assert.Equal("when '.stage == 'production'' is false", result.Step("prod_only", StepState.Skipped).SkipReason);
        result.Step("group/inner", StepState.Skipped);
        Assert.Equal("skipped", result.Step("report", StepState.Succeeded).Output);
        Assert.DoesNotContain("prod_only", executor.Started);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_CapturedJson_FlowsIntoLaterStepsThroughFromJsonAndRange()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: outputs
            steps:
              - name: list
                command: 'echo [{"name":"api","ok":false},{"name":"web","ok":true}]'
                capture_output: services
              - name: use
                command: "{{ range $s := .outputs.services | fromJSON }}{{ if not $s.ok }}restart {{ $s.name }} {{ end }}{{ end }}"
            """, executor);

        Assert.Equal("[{\"name\":\"api\",\"ok\":false},{\"name\":\"web\",\"ok\":true}]", result.Outputs["services"]);
        Assert.Equal("restart api", result.Step("use", StepState.Succeeded).Output);
    }
}
