using Fanout.Runs;
using Fanout.Workflows.Engine;
using Microsoft.Extensions.Time.Testing;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

public sealed class RollbackAndBreakerTests
{
    [Fact(Timeout = 20000)]
    public async Task RunAsync_Failure_CompensatesCompletedStepsNewestFirstThenRollbackSteps()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: compensate
            steps:
              - {name: one, command: echo one, rollback: echo undo-one}
              - {name: two, command: echo two, rollback: echo undo-two}
              - {name: plain, command: echo plain}
              - {name: three, command: fail, rollback: echo undo-three}
            rollback:
              steps: [{name: restore, command: echo restore}]
            """, executor);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(result.RolledBack);
        var undo = executor.Log.Where(l => l.Phase == "start" && l.Path.Contains("rollback", StringComparison.Ordinal)).Select(l => l.Text).ToList();
        Assert.Equal(["echo undo-two", "echo undo-one", "echo restore"], undo);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_AtomicGroup_RollsBackItsCompletedChildren()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: atomic
            rollback: {enabled: false}
            steps:
              - name: migrate
                atomic: true
                steps:
                  - {name: backup, command: echo backup, rollback: echo drop-backup}
                  - {name: schema, command: echo schema, rollback: echo revert-schema}
                  - {name: data, command: fail, rollback: echo revert-data}
            """, executor);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.False(result.RolledBack);
        var undo = executor.Log.Where(l => l.Phase == "start" && l.Path.EndsWith("/rollback/rollback", StringComparison.Ordinal) || l.Phase == "start" && l.Path.Contains("/rollback/", StringComparison.Ordinal)).Select(l => l.Text).ToList();
        Assert.Equal(["echo revert-schema", "echo drop-backup"], undo);
        result.Step("migrate", StepState.Failed);
    }

    [Theory(Timeout = 20000)]
    [InlineData("timeout", "deployment_timeout", true)]
    [InlineData("fail", "deployment_timeout", false)]
    [InlineData("fail", "health_check_failed", true)]
    public async Task RunAsync_RollbackConditions_NarrowWhichFailuresRollBack(string failure, string condition, bool rollsBack)
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync($$"""
            name: conditions
            steps:
              - {name: deploy, command: echo deploy, rollback: echo undo-deploy}
              - {name: health-check, command: {{failure}}}
            rollback:
              conditions: [{{condition}}]
              steps: [{name: restore, command: echo restore}]
            """, executor);

        Assert.Equal(rollsBack, result.RolledBack);
        Assert.Equal(rollsBack, executor.Started.Contains("rollback/restore"));
        Assert.Equal(rollsBack, executor.Started.Contains("deploy/rollback/rollback") || executor.Started.Any(s => s.StartsWith("deploy/rollback/", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_Breaker_OpensAfterThresholdShortCircuitsThenHalfOpensAfterRecovery()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new MemoryWorkflowStore();
        var executor = new ScriptedExecutor(time);
        const string Yaml = """
            name: breaker
            error_handling: {strategy: continue_on_error}
            circuit_breakers:
              payments: {failure_threshold: 2, recovery_timeout: 1m, fallback: [use_cache]}
            steps:
              - name: call
                command: fail
                circuit_breaker: payments
                fallback_steps: [{name: cached, command: echo cached}]
            """;
        var options = new WorkflowRunnerOptions { TimeProvider = time, Store = store };

        WorkflowRunResult first = await RunAsync(Yaml, executor, options);
        WorkflowRunResult second = await RunAsync(Yaml, executor, options);
        WorkflowRunResult third = await RunAsync(Yaml, executor, options);
        time.Advance(TimeSpan.FromMinutes(2));
        WorkflowRunResult fourth = await RunAsync(Yaml, executor, options);

        first.Step("call", StepState.Failed);
        second.Step("call", StepState.Failed);
        Assert.Equal("open", store.Breakers["breaker/payments"].State);
        Assert.Equal("circuit breaker 'payments' is open", third.Step("call", StepState.ShortCircuited).SkipReason);
        third.Step("call/fallback/cached", StepState.Succeeded);
        Assert.Equal(["use_cache"], third.Degradations);
        fourth.Step("call", StepState.Failed); // the half-open trial ran and failed
        Assert.Equal("open", store.Breakers["breaker/payments"].State);
        Assert.Equal(3, executor.Log.Count(l => l.Path == "call" && l.Phase == "start"));
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_HalfOpenTrialSucceeds_ClosesTheBreaker()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new MemoryWorkflowStore();
        store.Breakers["b/x"] = new CircuitBreakerRecord { Workflow = "b", Name = "x", State = "open", ConsecutiveFailures = 5, OpenedAt = time.GetUtcNow(), UpdatedAt = time.GetUtcNow() };
        time.Advance(TimeSpan.FromSeconds(31));

        WorkflowRunResult result = await RunAsync("""
            name: b
            circuit_breakers: {x: {failure_threshold: 5, recovery_timeout: 30s}}
            steps: [{name: s, command: echo ok, circuit_breaker: x}]
            """, new ScriptedExecutor(time), new WorkflowRunnerOptions { TimeProvider = time, Store = store });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("closed", store.Breakers["b/x"].State);
        Assert.Equal(0, store.Breakers["b/x"].ConsecutiveFailures);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ManualApproval_WaitsForTheStoreDecision()
    {
        var store = new MemoryWorkflowStore();
        var executor = new ScriptedExecutor();
        var options = new WorkflowRunnerOptions { Store = store, ApprovalPollInterval = TimeSpan.FromMilliseconds(10) };
        var waiting = new TaskCompletionSource<string>();
        options.Progress = new Fanout.Events.ProgressTracker();
        options.Progress.OnEvent(e =>
        {
            if (e is Fanout.Events.ApprovalRequested requested)
            {
                waiting.TrySetResult(requested.Path);
            }
        });
        Task<WorkflowRunResult> run = RunAsync("""
            name: approval
            steps:
              - {name: build, command: echo build}
              - {name: gate, manual_approval: true}
              - {name: ship, command: echo ship}
            """, executor, options);

        string step = await waiting.Task;
        Assert.Equal(RunStatus.AwaitingApproval, store.Runs.Values.Single().Status);
        Assert.True(await store.DecideApprovalAsync(store.Runs.Keys.Single(), step, false, "tester", "not today", DateTimeOffset.UtcNow, CancellationToken.None));
        WorkflowRunResult result = await run;

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("rejected by tester: not today", result.Step("gate", StepState.Failed).Error);
        Assert.DoesNotContain("ship", executor.Started);
    }
}
