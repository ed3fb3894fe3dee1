using Fanout.Workflows;
using Fanout.Workflows.Templates;
using Fanout.Workflows.Validation;

namespace Fanout.Core.Tests.Workflows.Templates;

public sealed class TemplateCatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-templates-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BuiltIn_HasTheFourSpecTemplates()
    {
        Assert.Equal(["blue-green", "deployment", "parallel-maintenance", "rolling-restart"], TemplateCatalog.BuiltIn.Select(t => t.Name));
        Assert.All(TemplateCatalog.BuiltIn, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
        Assert.All(TemplateCatalog.BuiltIn, t => Assert.NotEmpty(t.Parameters));
    }

    [Theory]
    [InlineData("deployment")]
    [InlineData("parallel-maintenance")]
    [InlineData("blue-green")]
    [InlineData("rolling-restart")]
    public void BuiltIn_ValidatesWithoutDiagnosticsAndBindsWithDefaults(string name)
    {
        var template = TemplateCatalog.BuiltIn.Single(t => t.Name == name);

        var result = WorkflowValidator.ValidateText(template.Text, name + ".yaml");

        Assert.Empty(result.Diagnostics);
        var binding = ParameterBinder.Bind(result.Workflow!, new Fanout.Workflows.Parameters.ParameterInputs());
        Assert.Empty(binding.Errors);
    }

    [Fact]
    public void Load_UserDirectory_ListsUserTemplatesAndTheyOverrideBuiltIns()
    {
        File.WriteAllText(Path.Combine(_dir, "deployment.yaml"), "description: ours\nsteps:\n  - {name: a, command: 'true'}\n");
        File.WriteAllText(Path.Combine(_dir, "backup.yml"), "description: nightly backup\nparameters:\n  - {name: bucket, default: b1}\nsteps:\n  - {name: a, command: 'true'}\n");
        File.WriteAllText(Path.Combine(_dir, "broken.yaml"), "steps: [\n");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not a template");

        var catalog = TemplateCatalog.Load(_dir);

        Assert.Equal(6, catalog.Templates.Count);
        Assert.Equal("ours", catalog.Find("deployment")!.Description);
        Assert.False(catalog.Find("deployment")!.IsBuiltIn);
        Assert.Equal(["bucket"], catalog.Find("backup")!.Parameters.Select(p => p.Name));
        Assert.Null(catalog.Find("broken"));
        Assert.Contains(catalog.Diagnostics, d => d.Position.File!.EndsWith("broken.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingDirectory_OnlyBuiltIns()
    {
        var catalog = TemplateCatalog.Load(Path.Combine(_dir, "none"));

        Assert.Equal(4, catalog.Templates.Count);
        Assert.Empty(catalog.Diagnostics);
    }
}
