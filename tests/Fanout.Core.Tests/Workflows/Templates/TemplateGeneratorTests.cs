using Fanout.Expressions;
using Fanout.Workflows;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Templates;

namespace Fanout.Core.Tests.Workflows.Templates;

public sealed class TemplateGeneratorTests
{
    private const string Source = """
        # Deploys the shop to production.
        name: shop-prod
        description: Deploy the shop
        variables:
          api_base: https://api.shop.example.com/v1
          replicas_total: 6
        steps:
          - name: deploy
            command: kubectl --context prod-cluster set image deploy/shop shop=registry.example.com/shop:2.3.1 --replicas=3
          - name: migrate
            command: psql -h db1.internal.example.com -p 5432 -c 'select 1' && echo db at 10.0.4.17:5432
          - name: check
            script: |
              curl -fsS https://api.shop.example.com/v1/health
              curl -fsS http://10.0.4.17:8080/ready
              echo deployed 2.3.1 to prod
            env:
              SHOP_URL: https://api.shop.example.com/v1
          - name: notify
            command: echo done {{ .run_id }} >/dev/null; cat /etc/shop/app.conf; sleep 5
        """;

    [Fact]
    public void Generate_LiteralValues_BecomeParametersWithTheOriginalDefaults()
    {
        var result = TemplateGenerator.Generate(Source, "shop", "shop-prod.yaml");

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal(
            [
                "api_url (url) = https://api.shop.example.com/v1 ×2",
                "environment (environment) = prod ×2",
                "registry_host (host) = registry.example.com ×1",
                "version (version) = 2.3.1 ×2",
                "replicas (number) = 3 ×1",
                "db1_host (host) = db1.internal.example.com ×1",
                "ip (ip) = 10.0.4.17 ×1",
                "port (port) = 5432 ×1",
                "api_url_2 (url) = https://api.shop.example.com/v1/health ×1",
                "url (url) = http://10.0.4.17:8080/ready ×1",
            ],
            result.Parameters.Select(p => $"{p.Name} ({p.Kind}) = {p.Default} ×{p.Occurrences}"));
        Assert.Empty(result.Diagnostics);
        Assert.Contains("name: shop\n", result.Text, StringComparison.Ordinal);
        Assert.Contains("# Deploys the shop to production.", result.Text, StringComparison.Ordinal);
        Assert.Contains("replicas_total: 6", result.Text, StringComparison.Ordinal);
        Assert.Contains("cat /etc/shop/app.conf; sleep 5", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_RenderedWithDefaults_ReproducesTheOriginalCommands()
    {
        var original = WorkflowParser.Parse(Source).Workflow!;
        var template = WorkflowParser.Parse(TemplateGenerator.Generate(Source, "shop").Text!).Workflow!;
        var values = ParameterBinder.Bind(template, new ParameterInputs()).Values.ToDictionary(kv => kv.Key, kv => kv.Value);
        values["run_id"] = "{{ .run_id }}";

        Assert.Equal(Texts(original, values), Texts(template, values));
        Assert.Equal("https://api.shop.example.com/v1", Render(template.Variables.Single(v => v.Name == "api_base").Template!, values));
    }

    [Fact]
    public void Generate_SetValues_ChangeEveryOccurrence()
    {
        var template = WorkflowParser.Parse(TemplateGenerator.Generate(Source, "shop").Text!).Workflow!;

        var values = ParameterBinder.Bind(template, new ParameterInputs { Set = ["version=2.4.0", "ip=10.9.9.9"], Environment = "staging" }).Values;

        var check = Render(template.Steps.Single(s => s.Name == "check").Script!, values, RenderMode.Shell);
        Assert.Contains("http://10.0.4.17:8080/ready", check, StringComparison.Ordinal); // a whole URL is its own parameter
        Assert.Contains("echo deployed 2.4.0 to staging", check, StringComparison.Ordinal);
        var deploy = Render(template.Steps.Single(s => s.Name == "deploy").Command!, values, RenderMode.Shell);
        Assert.Equal("kubectl --context staging-cluster set image deploy/shop shop=registry.example.com/shop:2.4.0 --replicas=3", deploy);
        Assert.EndsWith("echo db at 10.9.9.9:5432", Render(template.Steps.Single(s => s.Name == "migrate").Command!, values, RenderMode.Shell), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_SeveralEnvironmentNames_LeavesThemAlone()
    {
        var result = TemplateGenerator.Generate("steps:\n  - {name: promote, command: 'promote --from staging --to production'}\n", "promote");

        Assert.True(result.Success);
        Assert.Empty(result.Parameters);
        Assert.Contains("promote --from staging --to production", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_ExistingParameters_AreKeptAndNewOnesAppended()
    {
        const string source = "parameters:\n  - name: version\n    default: 1.0.0\nsteps:\n  - name: a\n    command: curl https://cdn.example.org/app/{{ .version }} --port 8443\n";

        var result = TemplateGenerator.Generate(source, "t");

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        var workflow = WorkflowParser.Parse(result.Text!).Workflow!;
        Assert.Equal(["version", "cdn_url", "port"], workflow.Parameters.Select(p => p.Name));
        Assert.Equal(ParameterType.Number, workflow.Parameters[2].Type);
        Assert.Equal(8443L, workflow.Parameters[2].Default);
    }

    [Fact]
    public void Generate_InvalidWorkflow_ReturnsItsErrors()
    {
        var result = TemplateGenerator.Generate("stpes: []\n", "t", "bad.yaml");

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("stpes", StringComparison.Ordinal));
    }

    private static List<string> Texts(WorkflowDefinition workflow, IReadOnlyDictionary<string, object?> values) =>
        workflow.Steps.Select(s => Render((s.Command ?? s.Script)!, values, RenderMode.Shell))
            .Concat(workflow.Steps.SelectMany(s => s.Environment.Values).Select(t => Render(t, values)))
            .ToList();

    private static string Render(TemplateText text, IReadOnlyDictionary<string, object?> values, RenderMode mode = RenderMode.Plain)
    {
        var parsed = Template.Parse(text.Text, text.Origin);
        Assert.True(parsed.Success, parsed.Error?.ToString());
        var rendered = parsed.Template.Render(new TemplateContext(values), mode);
        Assert.True(rendered.Success, rendered.Error?.ToString());
        return rendered.Text!;
    }
}
