using Fanout.Workflows;

namespace Fanout.Cli.Tests.Commands;

public sealed class TemplateCommandsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public TemplateCommandsTests()
    {
        _cli.Environment["HOME"] = _cli.Directory;
    }

    private string TemplatesDir => Path.Combine(_cli.Directory, ".config", "fanout", "templates");

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Templates_ListsBuiltInsWithParametersAndUserTemplates()
    {
        Directory.CreateDirectory(TemplatesDir);
        File.WriteAllText(Path.Combine(TemplatesDir, "backup.yaml"), "description: Nightly backup\nparameters:\n  - {name: bucket, required: true}\nsteps:\n  - {name: a, command: 'true'}\n");

        (int exit, string stdout, _) = await _cli.RunAsync("templates");

        Assert.Equal(ExitCodes.Success, exit);
        foreach (string name in new[] { "deployment (built-in)", "parallel-maintenance (built-in)", "blue-green (built-in)", "rolling-restart (built-in)" })
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
        }

        Assert.Contains("  --set version=…  string, default 1.0.0 — Release version to deploy", stdout, StringComparison.Ordinal);
        Assert.Contains("  --set services=…  list, default [\"api\",\"worker\"]", stdout, StringComparison.Ordinal);
        Assert.Contains($"backup (user: {TemplatesDir}/backup.yaml)\n  Nightly backup\n  --set bucket=…  string, required\n", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Create_FromBuiltIn_WritesValidWorkflowIntoWorkflowsDirectory()
    {
        (int exit, string stdout, string stderr) = await _cli.RunAsync("create", "shop", "--template", "deployment", "--set", "version=3.0.0,services=api,web", "--set", "environment=production");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stderr);
        string path = Path.Combine(_cli.Directory, "workflows", "shop.yaml");
        Assert.StartsWith($"Created {path} from template 'deployment'.", stdout, StringComparison.Ordinal);
        var result = Fanout.Workflows.Validation.WorkflowValidator.ValidateFile(path);
        Assert.Empty(result.Diagnostics);
        Assert.Equal("shop", result.Workflow!.Name);
        Assert.Equal("production", result.Workflow.Parameters.Single(p => p.Name == "environment").Default);

        (int again, _, string refused) = await _cli.RunAsync("create", "shop", "--template", "deployment");
        Assert.Equal(ExitCodes.UsageError, again);
        Assert.Contains("already exists (use --force to overwrite)", refused, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Create_EnvAndParameterOptions_AreDefaultsLikeSet()
    {
        // The document's habit: a declared template parameter as its own option, -e for the environment.
        (int exit, _, string stderr) = await _cli.RunAsync("create", "microservice-deployment", "--template", "deployment", "--services", "api,worker", "-e", "production", "--set", "version=2.0.0");

        Assert.True(exit == ExitCodes.Success, stderr);
        var workflow = Fanout.Workflows.Validation.WorkflowValidator.ValidateFile(Path.Combine(_cli.Directory, "workflows", "microservice-deployment.yaml")).Workflow!;
        Assert.Equal(new List<object?> { "api", "worker" }, workflow.Parameters.Single(p => p.Name == "services").Default);
        Assert.Equal("production", workflow.Parameters.Single(p => p.Name == "environment").Default);
        Assert.Equal("2.0.0", workflow.Parameters.Single(p => p.Name == "version").Default);

        (int json, _, string jsonErr) = await _cli.RunAsync("create", "json-form", "--template", "deployment", "--set", "services=[\"api\",\"worker\"],version=2.0.1");
        Assert.True(json == ExitCodes.Success, jsonErr);

        (int bad, _, string unknown) = await _cli.RunAsync("create", "x", "--template", "deployment", "--servcies", "api", "-o", "x.yaml");
        Assert.Equal(ExitCodes.UsageError, bad);
        Assert.Contains("template 'deployment' has no parameter 'servcies' (did you mean 'services'?)", unknown, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.Directory, "x.yaml")));
    }

    [Fact(Timeout = 30000)]
    public async Task Create_BadInput_ExitsTwoAndWritesNothing()
    {
        (int exit, _, string stderr) = await _cli.RunAsync("create", "x", "--template", "deploymnet", "-o", "x.yaml");
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("no template 'deploymnet' (did you mean 'deployment'?)", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await _cli.RunAsync("create", "x", "--template", "rolling-restart", "--set", "settle_seconds=9999", "-o", "x.yaml");
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("fanout create: error: parameter 'settle_seconds':", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.Directory, "x.yaml")));
    }

    [Fact(Timeout = 30000)]
    public async Task TemplateGenerate_ThenCreate_RoundTrips()
    {
        _cli.WriteFile("prod.yaml", """
            name: api-prod
            description: Roll out the API
            steps:
              - name: deploy
                command: deploy --host api1.prod.example.net --port 8443 --version 4.2.0
            """);

        (int exit, string stdout, string stderr) = await _cli.RunAsync("template", "generate", "--from", "prod.yaml", "--name", "api-rollout");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stderr);
        string path = Path.Combine(TemplatesDir, "api-rollout.yaml");
        Assert.Equal(
            $"""
            Wrote template 'api-rollout' to {path} with 3 parameters made from literal values:
              api1_host                host         default api1.prod.example.net (1 use)
              port                     number       default 8443 (1 use)
              version                  version      default 4.2.0 (1 use)
            Use it with: fanout create NAME --template api-rollout --set KEY=VALUE

            """.ReplaceLineEndings("\n"),
            stdout.ReplaceLineEndings("\n"));

        (exit, _, stderr) = await _cli.RunAsync("create", "api-staging", "--template", "api-rollout", "--set", "api1_host=api1.staging.example.net,port=9443", "-o", "staging.yaml");
        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stderr);
        var workflow = WorkflowParser.ParseFile(Path.Combine(_cli.Directory, "staging.yaml")).Workflow!;
        Assert.Equal("api1.staging.example.net", workflow.Parameters.Single(p => p.Name == "api1_host").Default);
        Assert.Equal(9443L, workflow.Parameters.Single(p => p.Name == "port").Default);
        Assert.Equal("deploy --host {{ .api1_host }} --port {{ .port }} --version {{ .version }}", workflow.Steps[0].Command!.Text);
    }

    [Fact(Timeout = 30000)]
    public async Task Workflows_ListsFilesWithValidity()
    {
        _cli.WriteFile("config.yaml", "workflows_dir: flows\nnotifications: {channels: {ops: {command: 'true'}}}\n");
        _cli.Environment["FANOUT_CONFIG"] = Path.Combine(_cli.Directory, "config.yaml");
        Directory.CreateDirectory(Path.Combine(_cli.Directory, "flows"));
        _cli.WriteFile("flows/a.yaml", "name: alpha\ndescription: First\nversion: '2'\nnotifications: {channels: [ops]}\nsteps:\n  - {name: g, steps: [{name: x, command: 'true'}, {name: y, command: 'true'}]}\n");
        _cli.WriteFile("flows/b.yml", "notifications: {channels: [slack]}\nsteps:\n  - {name: a, command: 'true'}\n");
        _cli.WriteFile("flows/c.yaml", "stpes: []\n");

        (int exit, string stdout, _) = await _cli.RunAsync("workflows");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(
            """
            FILE    NAME   VERSION  STEPS  VALIDITY            DESCRIPTION
            a.yaml  alpha  2        2      valid               First
            b.yml   b      -        1      valid (1 warning)
            c.yaml  c      -        0      invalid (2 errors)

            """.ReplaceLineEndings("\n"),
            stdout.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_UsesConfiguredChannels()
    {
        _cli.WriteFile("config.yaml", "notifications:\n  channels:\n    slack: {type: webhook, url: 'https://hooks.example.com/x'}\n");
        _cli.Environment["FANOUT_CONFIG"] = Path.Combine(_cli.Directory, "config.yaml");
        _cli.WriteFile("wf.yaml", "notifications: {channels: [slack, email]}\nsteps:\n  - {name: a, command: 'true'}\n");

        (int exit, string stdout, _) = await _cli.RunAsync("validate", "wf.yaml");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("wf.yaml:1:35: warning: notification channel 'email' is not configured; its notifications will not be sent\n", stdout.ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_BrokenConfig_ExitsTwoNamingThePosition()
    {
        _cli.WriteFile("config.yaml", "notifications:\n  chanels: {}\n");
        _cli.Environment["FANOUT_CONFIG"] = Path.Combine(_cli.Directory, "config.yaml");
        _cli.WriteFile("wf.yaml", "steps:\n  - {name: a, command: 'true'}\n");

        (int exit, _, string stderr) = await _cli.RunAsync("validate", "wf.yaml");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains($"{_cli.Directory}/config.yaml:2:3: error: unknown field 'chanels' in notifications (did you mean 'channels'?)", stderr, StringComparison.Ordinal);
    }
}
