using Fanout.Runs;
using Fanout.Workflows.Engine;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

public sealed class SchedulingTests
{
    [Fact(Timeout = 20000)]
    public async Task RunAsync_TopLevelSteps_RunInOrderOneAtATime()
    {
        var executor = new ScriptedExecutor(hold: TimeSpan.FromMilliseconds(10));
        WorkflowRunResult result = await RunAsync("""
            name: seq
            steps:
              - {name: a, command: echo a}
              - {name: b, command: echo b}
              - {name: c, command: echo c}
            """, executor);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["a", "b", "c"], executor.Started);
        Assert.Equal(1, executor.MaxConcurrent);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ParallelGroupWithDag_HonoursLimitAndDependencies()
    {
        var executor = new ScriptedExecutor(hold: TimeSpan.FromMilliseconds(40));
        WorkflowRunResult result = await RunAsync("""
            name: dag
            steps:
              - name: g
                parallel: true
                parallel_limit: 2
                steps:
                  - {name: a, command: echo a}
                  - {name: b, command: echo b}
                  - {name: c, command: echo c, depends_on: [a]}
                  - {name: d, command: echo d, depends_on: [b, c]}
            """, executor);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(2, executor.MaxConcurrent);
        Assert.True(executor.IndexOf("g/c") > executor.IndexOf("g/a", "end"));
        Assert.True(executor.IndexOf("g/d") > executor.IndexOf("g/b", "end"));
        Assert.True(executor.IndexOf("g/d") > executor.IndexOf("g/c", "end"));
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_GroupWithOnlyParallelLimit_RunsConcurrently()
    {
        var executor = new ScriptedExecutor(hold: TimeSpan.FromMilliseconds(40));
        await RunAsync("""
            name: limit-only
            steps:
              - name: g
                parallel_limit: 3
                steps:
                  - {name: a, command: echo a}
                  - {name: b, command: echo b}
                  - {name: c, command: echo c}
                  - {name: d, command: echo d}
            """, executor);

        Assert.Equal(3, executor.MaxConcurrent);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ScarceSlots_LowerPriorityFirst()
    {
        var executor = new ScriptedExecutor();
        await RunAsync("""
            name: prio
            steps:
              - name: g
                parallel: true
                parallel_limit: 1
                steps:
                  - {name: low, command: echo low, priority: 5}
                  - {name: high, command: echo high, priority: 1}
                  - {name: mid, command: echo mid, priority: 3}
            """, executor);

        Assert.Equal(["g/high", "g/mid", "g/low"], executor.Started);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ResourceLimits_AdmitOnlyWhatFits()
    {
        var executor = new ScriptedExecutor(hold: TimeSpan.FromMilliseconds(40));
        WorkflowRunResult result = await RunAsync("""
            name: resources
            resource_limits: {cpu_limit: "2", memory_limit: 4Gi}
            steps:
              - name: g
                parallel: true
                steps:
                  - {name: a, command: echo a, resources: {cpu: "1"}}
                  - {name: b, command: echo b, resources: {cpu: "1"}}
                  - {name: c, command: echo c, resources: {cpu: "1"}}
                  - {name: d, command: echo d, resources: {memory: 3Gi}}
                  - {name: e, command: echo e, resources: {memory: 3Gi}}
            """, executor);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.True(executor.MaxConcurrent <= 3, $"max {executor.MaxConcurrent}");
        // d and e (3Gi each of 4Gi) never overlap.
        Assert.True(executor.IndexOf("g/e") > executor.IndexOf("g/d", "end") || executor.IndexOf("g/d") > executor.IndexOf("g/e", "end"));
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_MaxParallelOption_CapsSteps()
    {
        var executor = new ScriptedExecutor(hold: TimeSpan.FromMilliseconds(30));
        await RunAsync("""
            name: cap
            steps:
              - name: g
                parallel: true
                steps:
                  - {name: a, command: echo a}
                  - {name: b, command: echo b}
                  - {name: c, command: echo c}
                  - {name: d, command: echo d}
            """, executor, new WorkflowRunnerOptions { MaxParallel = 2 });

        Assert.Equal(2, executor.MaxConcurrent);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_TopLevelDependsOn_WaitsForTheNamedStep()
    {
        var executor = new ScriptedExecutor();
        WorkflowRunResult result = await RunAsync("""
            name: top-dag
            error_handling: {strategy: continue_on_error}
            steps:
              - {name: build, command: fail}
              - {name: deploy, command: echo deploy, depends_on: [build]}
              - {name: docs, command: echo docs}
            """, executor);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("dependency 'build' failed", result.Step("deploy", StepState.Skipped).SkipReason);
        result.Step("docs", StepState.Succeeded);
    }
}
