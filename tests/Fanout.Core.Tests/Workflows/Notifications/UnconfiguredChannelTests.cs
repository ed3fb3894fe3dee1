using Fanout.Workflows.Validation;

namespace Fanout.Core.Tests.Workflows.Notifications;

public sealed class UnconfiguredChannelTests
{
    private const string Workflow = """
        notifications:
          channels: [slack, emial]
        steps:
          - name: a
            command: echo a
        """;

    [Fact]
    public void Validate_ChannelMissingFromConfig_WarnsWithNameAndPosition()
    {
        var result = WorkflowValidator.ValidateText(Workflow, "wf.yaml", new WorkflowValidationOptions { ConfiguredChannels = ["slack", "email"] });

        var d = Assert.Single(result.Diagnostics);
        Assert.False(d.IsError);
        Assert.Equal("wf.yaml:2:21: warning: notification channel 'emial' is not configured (did you mean 'email'?); its notifications will not be sent", d.ToString());
        Assert.False(result.HasErrors);
    }

    [Fact]
    public void Validate_AllChannelsConfigured_NoDiagnostic()
    {
        var result = WorkflowValidator.ValidateText(Workflow, "wf.yaml", new WorkflowValidationOptions { ConfiguredChannels = ["slack", "emial"] });

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Validate_DeclaredEnvironmentParameter_IsAllowed()
    {
        var result = WorkflowValidator.ValidateText(
            "parameters:\n  - {name: environment, default: staging, validation: {allowed: [staging, production]}}\nsteps:\n  - {name: a, command: 'echo {{ .environment }}'}\n",
            "wf.yaml");

        Assert.Empty(result.Diagnostics);
    }
}
