using Fanout.Workflows;
using Fanout.Workflows.Templates;

namespace Fanout.Core.Tests.Workflows.Templates;

public sealed class TemplateInstantiatorTests
{
    private static WorkflowTemplate Deployment => TemplateCatalog.BuiltIn.Single(t => t.Name == "deployment");

    [Fact]
    public void Create_SetValues_BecomeDefaultsAndNameIsSet()
    {
        var result = TemplateInstantiator.Create(Deployment, "shop-deploy", ["version=2.4.1,services=api,web", "health_check_attempts=5"]);

        Assert.True(result.Success, result.Text + string.Join('\n', result.Errors.Concat(result.Diagnostics.Select(d => d.ToString()))));
        var workflow = WorkflowParser.Parse(result.Text!).Workflow!;
        Assert.Equal("shop-deploy", workflow.Name);
        Assert.Equal("2.4.1", workflow.Parameters.Single(p => p.Name == "version").Default);
        Assert.Equal(["api", "web"], (IEnumerable<object?>)workflow.Parameters.Single(p => p.Name == "services").Default!);
        Assert.Equal(5L, workflow.Parameters.Single(p => p.Name == "health_check_attempts").Default);
        Assert.Equal("staging", workflow.Parameters.Single(p => p.Name == "environment").Default);
        Assert.StartsWith("# Created by 'fanout create' from template 'deployment'.\nname: shop-deploy\n", result.Text, StringComparison.Ordinal);
        Assert.Contains("for service in {{ .services }}; do", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ParameterWithoutDefault_GetsOneAndStopsBeingRequired()
    {
        var template = new WorkflowTemplate
        {
            Name = "t",
            Text = "name: t\nparameters:\n  - name: version\n    required: true\n  - {name: tag, type: string}\nsteps:\n  - {name: a, command: 'echo {{ .version }} {{ .tag }}'}\n",
            Parameters = WorkflowParser.Parse("parameters:\n  - name: version\n    required: true\n  - {name: tag, type: string}\nsteps: []\n").Workflow!.Parameters,
        };

        var result = TemplateInstantiator.Create(template, "new", ["version=1.0", "tag=it's"]);

        Assert.True(result.Success, result.Text + string.Join('\n', result.Errors.Concat(result.Diagnostics.Select(d => d.ToString()))));
        Assert.Contains("  - name: version\n    default: '1.0'\n    required: false\n", result.Text, StringComparison.Ordinal);
        Assert.Contains("{name: tag, default: 'it''s', type: string}", result.Text, StringComparison.Ordinal);
        var workflow = WorkflowParser.Parse(result.Text!).Workflow!;
        Assert.Equal("it's", workflow.Parameters[1].Default);
    }

    [Fact]
    public void Create_UnknownOrInvalidValues_AreErrorsNamingTheParameter()
    {
        var result = TemplateInstantiator.Create(Deployment, "x", ["verison=1.0.0", "version=latest", "health_check_attempts=99"]);

        Assert.False(result.Success);
        Assert.Null(result.Text);
        Assert.Contains("template 'deployment' has no parameter 'verison' (did you mean 'version'?)", result.Errors);
        Assert.Contains(result.Errors, e => e.StartsWith("parameter 'version':", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.StartsWith("parameter 'health_check_attempts':", StringComparison.Ordinal));
    }
}
