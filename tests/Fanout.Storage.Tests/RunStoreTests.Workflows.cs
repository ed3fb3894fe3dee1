using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Storage.Tests;

/// <summary>Schema version 3: workflow steps, breakers, approvals, annotations and metrics, on both engines.</summary>
public abstract partial class RunStoreTests
{
    [Fact(Timeout = 60000)]
    public async Task WorkflowStore_StepsAreUpsertedByPath()
    {
        IRunStore store = await OpenAsync();
        var steps = store.Workflows!;
        await store.CreateRunAsync(NewRun("w1", kind: "workflow", name: "deploy"), [new RunTargetRecord("build", 1)], CancellationToken.None);

        await steps.SaveStepAsync(new WorkflowStepRecord { RunId = "w1", Path = "build", State = "running", StartedAt = T0 }, CancellationToken.None);
        await steps.SaveStepAsync(new WorkflowStepRecord { RunId = "w1", Path = "build", State = "succeeded", Attempts = 2, ExitCode = 0, StartedAt = T0, EndedAt = T0.AddSeconds(3), Output = "ok", Capture = """{"name":"b","value":"ok"}""", Completion = 1 }, CancellationToken.None);
        await steps.SaveStepAsync(new WorkflowStepRecord { RunId = "w1", Path = "g/skip", State = "skipped", SkipReason = "when false" }, CancellationToken.None);

        IReadOnlyList<WorkflowStepRecord> saved = await steps.GetStepsAsync("w1", CancellationToken.None);
        Assert.Equal(2, saved.Count);
        WorkflowStepRecord build = saved.Single(s => s.Path == "build");
        Assert.Equal(("succeeded", 2, 0, "ok", 1, T0.AddSeconds(3)), (build.State, build.Attempts, build.ExitCode!.Value, build.Output!, build.Completion!.Value, build.EndedAt!.Value));
        Assert.Equal("when false", saved.Single(s => s.Path == "g/skip").SkipReason);
    }

    [Fact(Timeout = 60000)]
    public async Task WorkflowStore_BreakerStateSurvivesReopeningTheStore()
    {
        IRunStore first = await OpenAsync();
        await first.Workflows!.SaveBreakerAsync(new CircuitBreakerRecord { Workflow = "wf", Name = "db", State = "open", ConsecutiveFailures = 3, OpenedAt = T0, UpdatedAt = T0 }, CancellationToken.None);
        await first.DisposeAsync();

        IRunStore second = await OpenAsync();
        CircuitBreakerRecord? breaker = await second.Workflows!.GetBreakerAsync("wf", "db", CancellationToken.None);

        Assert.NotNull(breaker);
        Assert.Equal(("open", 3, T0), (breaker!.State, breaker.ConsecutiveFailures, breaker.OpenedAt!.Value));
        Assert.Null(await second.Workflows!.GetBreakerAsync("wf", "other", CancellationToken.None));
    }

    [Fact(Timeout = 60000)]
    public async Task WorkflowStore_ApprovalIsDecidedOnceAndTheRunStatusFollows()
    {
        IRunStore store = await OpenAsync();
        var steps = store.Workflows!;
        await store.CreateRunAsync(NewRun("w2", kind: "workflow"), [], CancellationToken.None);
        await steps.RequestApprovalAsync(new ApprovalRecord { RunId = "w2", Step = "gate", Status = "pending", RequestedAt = T0 }, CancellationToken.None);
        Assert.True(await steps.SetRunStatusAsync("w2", RunStatus.AwaitingApproval, CancellationToken.None));
        Assert.Equal(RunStatus.AwaitingApproval, (await store.GetRunAsync("w2", CancellationToken.None))!.Status);

        Assert.True(await steps.DecideApprovalAsync("w2", "gate", true, "bob", "ship it", T0.AddMinutes(1), CancellationToken.None));
        Assert.False(await steps.DecideApprovalAsync("w2", "gate", false, "eve", null, T0.AddMinutes(2), CancellationToken.None));
        await steps.RequestApprovalAsync(new ApprovalRecord { RunId = "w2", Step = "gate", Status = "pending", RequestedAt = T0.AddMinutes(3) }, CancellationToken.None);

        ApprovalRecord approval = (await steps.GetApprovalsAsync("w2", CancellationToken.None)).Single();
        Assert.Equal(("approved", "bob", "ship it"), (approval.Status, approval.Actor!, approval.Comment!));
    }

    [Fact(Timeout = 60000)]
    public async Task WorkflowStore_AnnotationsKeepTheirOrderAndMetricsUpsert()
    {
        IRunStore store = await OpenAsync();
        var steps = store.Workflows!;
        await store.CreateRunAsync(NewRun("w3", kind: "workflow"), [], CancellationToken.None);
        await steps.AddAnnotationAsync(new RunAnnotationRecord("w3", "alert", "critical", "failed_steps > 0", T0), CancellationToken.None);
        await steps.AddAnnotationAsync(new RunAnnotationRecord("w3", "degradation", "warning", "use_cache", T0), CancellationToken.None);
        await steps.SaveMetricsAsync("w3", [new RunMetricRecord("m", "step=a", "gauge", 1.5), new RunMetricRecord("m", "step=b", "gauge", 2)], CancellationToken.None);
        await steps.SaveMetricsAsync("w3", [new RunMetricRecord("m", "step=a", "gauge", 3)], CancellationToken.None);

        Assert.Equal(["alert", "degradation"], (await steps.GetAnnotationsAsync("w3", CancellationToken.None)).Select(a => a.Kind));
        Assert.Equal([("step=a", 3.0), ("step=b", 2.0)], (await steps.GetMetricsAsync("w3", CancellationToken.None)).Select(m => (m.Labels, m.Value)));
    }
}
