using Fanout.Workflows.Model;
using Fanout.Workflows.Validation;

namespace Fanout.Core.Tests.Workflows;

public sealed class WorkflowSampleTests
{
    private static readonly string SampleDirectory = Path.Combine(AppContext.BaseDirectory, "Samples");

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(SampleDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Validate_Sample_HasNoDiagnostics(string fileName)
    {
        var result = WorkflowValidator.ValidateFile(Path.Combine(SampleDirectory, fileName), new WorkflowValidationOptions { ConfiguredChannels = ["slack"] });

        Assert.NotNull(result.Workflow);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Samples_CoverTheSixScenarios()
    {
        Assert.Equal(
            ["blue-green.yaml", "circuit-breaker.yaml", "conditional-deployment.yaml", "deployment.yaml", "error-handling.yaml", "maintenance.yaml"],
            Directory.GetFiles(SampleDirectory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_DeploymentSample_BuildsModel()
    {
        var wf = WorkflowValidator.ValidateFile(Path.Combine(SampleDirectory, "deployment.yaml")).Workflow!;

        Assert.Equal("deployment", wf.Name);
        Assert.Equal("platform-team", wf.Author);
        Assert.Equal(["version", "services", "replicas", "environment"], wf.Parameters.Select(p => p.Name));
        Assert.Equal(ParameterType.List, wf.Parameters[1].Type);
        Assert.Equal(new List<object?> { "api", "worker", "scheduler" }, wf.Parameters[1].Default);
        Assert.Equal(3L, wf.Parameters[2].Default);
        Assert.Equal(["release_dir", "service_list"], wf.Variables.Select(v => v.Name));
        var deploy = wf.Steps[1];
        Assert.True(deploy.Parallel);
        Assert.Equal(2, deploy.ParallelLimit);
        Assert.Equal(["build"], deploy.DependsOn.Select(d => d.Name));
        Assert.Equal(3, deploy.Steps.Count);
        Assert.Equal(["deploy-api"], deploy.Steps[1].DependsOn.Select(d => d.Name));
        Assert.Equal(TimeSpan.FromMinutes(10), wf.Steps[0].Timeout);
        Assert.True(wf.Steps[0].Idempotent);
        var verify = wf.Steps[2];
        Assert.Equal(3, verify.Retry!.Attempts);
        Assert.Equal(Fanout.Execution.Backoff.Exponential, verify.Retry.Backoff);
        Assert.Equal("{{ .version }}", verify.Environment["RELEASE"].Text);
        Assert.Equal(new Fanout.Diagnostics.SourcePosition(verify.Command!.Origin.Start.File, 63, 7), verify.Command.Origin.Start);
    }

    [Fact]
    public void Parse_MaintenanceSample_ReadsResourcesAndTargets()
    {
        var wf = WorkflowValidator.ValidateFile(Path.Combine(SampleDirectory, "maintenance.yaml")).Workflow!;

        Assert.Equal(4L << 30, wf.ResourceLimits!.MemoryLimitBytes);
        Assert.Equal(2.0, wf.ResourceLimits.CpuLimit);
        Assert.Equal(ErrorStrategy.ContinueOnError, wf.ErrorHandling!.Strategy);
        var patch = wf.Steps[0];
        Assert.Equal(512L << 20, patch.Steps[1].Resources!.MemoryBytes);
        Assert.Equal(0.5, patch.Steps[1].Resources!.Cpu);
        var targets = patch.Steps[2].Targets!;
        Assert.Equal(["web", "linux"], targets.Tags);
        Assert.Equal(["1", "25%", "100%"], targets.BatchSizes.Select(w => w.ToString()));
        Assert.Equal("hosts_patched", wf.Metrics!.CustomMetrics[0].Name);
    }

    [Fact]
    public void Parse_ErrorHandlingSample_ReadsHooksAndRollback()
    {
        var wf = WorkflowValidator.ValidateFile(Path.Combine(SampleDirectory, "error-handling.yaml")).Workflow!;

        var migrate = wf.Steps[0];
        Assert.True(migrate.Atomic);
        Assert.Equal("echo dropping backup", migrate.Steps[0].Rollback[0].Command!.Text);
        Assert.Equal(["reset-connection"], migrate.Steps[1].OnRetry.Select(s => s.Name));
        Assert.Equal(TimeSpan.FromSeconds(30), migrate.Steps[1].Retry!.MaxDelay);
        Assert.True(wf.Steps[1].ContinueOnError);
        Assert.Equal("echo cache warm", wf.Steps[1].OnSuccess[0].Command!.Text);
        Assert.Equal(["any"], wf.Rollback!.Conditions);
        Assert.Equal("echo collect logs", wf.PostExecution!.Failure[0].Command!.Text);
    }

    [Fact]
    public void Parse_CircuitBreakerSample_ReadsBreakers()
    {
        var wf = WorkflowValidator.ValidateFile(Path.Combine(SampleDirectory, "circuit-breaker.yaml")).Workflow!;

        var breaker = Assert.Single(wf.CircuitBreakers);
        Assert.Equal(("payments", 5, TimeSpan.FromMinutes(5)), (breaker.Name, breaker.FailureThreshold, breaker.RecoveryTimeout));
        Assert.Equal(["use_cached_rates", "skip_reconciliation"], breaker.Fallback);
        Assert.Equal("payments", wf.Steps[0].CircuitBreaker!.Name);
        Assert.Equal("rates", wf.Steps[0].CaptureOutput);
        Assert.Equal("critical", wf.Alerts[1].Severity);
    }
}
