using Fanout.Configuration;
using Fanout.Diagnostics;

namespace Fanout.Core.Tests.Configuration;

public sealed class FanoutConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FanoutConfigResult Parse(string yaml, Dictionary<string, string>? env = null) =>
        FanoutConfigLoader.Parse(yaml, Path.Combine(_dir, "config.yaml"), n => env?.GetValueOrDefault(n), _dir);

    private static string Lines(FanoutConfigResult r) => string.Join('\n', r.Diagnostics.Select(d => d.ToString()));

    [Fact]
    public void Parse_FullConfig_ReadsChannelsAndDirectories()
    {
        var result = Parse("""
            workflows_dir: flows
            templates_dir: ~/tpl
            notifications:
              channels:
                slack: {type: webhook, url: 'https://hooks.example.com/T1', timeout: 3s, headers: {Authorization: Bearer x}}
                email: {type: command, command: mail -s fanout ops@example.com}
                inferred: {url: 'http://127.0.0.1:9/x'}
            """, new() { ["HOME"] = "/home/ops" });

        Assert.False(result.HasErrors, Lines(result));
        var config = result.Config;
        Assert.Equal(Path.Combine(_dir, "flows"), config.WorkflowsDirectory);
        Assert.Equal("/home/ops/tpl", config.TemplatesDirectory);
        Assert.Equal(["email", "inferred", "slack"], config.Channels.Keys.Order(StringComparer.Ordinal));
        var slack = config.Channels["slack"];
        Assert.Equal(NotificationChannelType.Webhook, slack.Type);
        Assert.Equal(TimeSpan.FromSeconds(3), slack.Timeout);
        Assert.Contains("Authorization", slack.SensitiveHeaders);
        Assert.Equal("webhook https://hooks.example.com/***", slack.Display);
        Assert.Equal(NotificationChannelType.Command, config.Channels["email"].Type);
        Assert.Equal(NotificationChannel.DefaultCommandTimeout, config.Channels["email"].Timeout);
        Assert.Equal(NotificationChannelType.Webhook, config.Channels["inferred"].Type);
        Assert.Equal(NotificationChannel.DefaultWebhookTimeout, config.Channels["inferred"].Timeout);
        Assert.Equal(5, slack.Position.Line);
    }

    [Fact]
    public void Parse_Mistakes_ReportsEveryErrorWithPositionAndSuggestion()
    {
        var result = Parse("""
            workflow_dir: x
            notifications:
              channels:
                slack: {type: slack, url: 'https://x'}
                ops: {type: command, comand: 'true'}
                hook: {type: webhook, url: 'ftp://x', timeout: soon}
                both: {url: 'http://x', command: 'true'}
                tok: {url: 'http://x/${NOPE}'}
            """);

        Assert.Equal(
            $$"""
            {{_dir}}/config.yaml:1:1: error: unknown field 'workflow_dir' in the Fanout config (did you mean 'workflows_dir'?)
            {{_dir}}/config.yaml:4:19: error: channel 'slack': unknown type 'slack' ('slack' is a channel name: map it to a webhook or a command); use webhook or command
            {{_dir}}/config.yaml:5:10: error: channel 'ops': a command channel needs a 'command'
            {{_dir}}/config.yaml:5:26: error: unknown field 'comand' in channel 'ops' (did you mean 'command'?)
            {{_dir}}/config.yaml:6:32: error: channel 'hook': 'url' must be an absolute http:// or https:// URL
            {{_dir}}/config.yaml:6:52: error: 'timeout': invalid duration 'soon' (use seconds like 300, or 500ms, 30s, 5m, 2h, 7d, 1h30m)
            {{_dir}}/config.yaml:7:11: error: channel 'both' needs 'type: webhook' with a 'url' or 'type: command' with a 'command'
            {{_dir}}/config.yaml:8:16: error: environment variable 'NOPE' (used as ${NOPE}) is not set
            """.ReplaceLineEndings("\n"),
            Lines(result));
        Assert.Empty(result.Config.Channels);
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("512K", 524288L)]
    [InlineData("256MiB", 268435456L)]
    [InlineData("1.5G", 1610612736L)]
    [InlineData("0", 0L)]
    public void Parse_OutputBudget_ReadsSizesWithBinaryUnits(string text, long bytes)
    {
        var result = Parse($"output_budget: {text}\n");

        Assert.False(result.HasErrors, string.Join("; ", result.Diagnostics));
        Assert.Equal(bytes, result.Config.OutputBudget);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("12X")]
    [InlineData("-1")]
    [InlineData("0.5")]
    public void Parse_OutputBudget_NotASize_IsAnErrorAtItsPosition(string text)
    {
        var result = Parse($"strict: true\noutput_budget: {text}\n");

        Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal(2, error.Position.Line);
        Assert.Contains($"'output_budget': invalid size '{text}'", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Config.OutputBudget);
    }

    [Fact]
    public void Parse_InvalidYaml_ReportsPosition()
    {
        var result = Parse("notifications:\n  channels: {a: [\n");

        var d = Assert.Single(result.Diagnostics);
        Assert.True(d.IsError);
        Assert.StartsWith("invalid YAML:", d.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_dir, "config.yaml"), d.Position.File);
    }

    [Fact]
    public void Load_NoFile_GivesDefaults()
    {
        var env = new Dictionary<string, string> { ["HOME"] = _dir };

        var result = FanoutConfigLoader.Load(n => env.GetValueOrDefault(n), "/srv/ops");

        Assert.Empty(result.Diagnostics);
        Assert.Null(result.Config.Path);
        Assert.Equal("/srv/ops/workflows", result.Config.WorkflowsDirectory);
        Assert.Equal(Path.Combine(_dir, ".config", "fanout", "templates"), result.Config.TemplatesDirectory);
    }

    [Fact]
    public void Load_XdgConfigHome_IsPreferredOverHome()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "xdg", "fanout"));
        File.WriteAllText(Path.Combine(_dir, "xdg", "fanout", "config.yaml"), "notifications: {channels: {ops: {command: 'true'}}}\n");
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent", ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "xdg") };

        var result = FanoutConfigLoader.Load(n => env.GetValueOrDefault(n), _dir);

        Assert.Equal(Path.Combine(_dir, "xdg", "fanout", "config.yaml"), result.Config.Path);
        Assert.Equal(["ops"], result.Config.Channels.Keys);
        Assert.Equal(Path.Combine(_dir, "xdg", "fanout", "templates"), result.Config.TemplatesDirectory);
    }

    [Fact]
    public void Load_FanoutConfigNamesMissingFile_IsAnError()
    {
        var env = new Dictionary<string, string> { ["FANOUT_CONFIG"] = "missing.yaml" };

        var result = FanoutConfigLoader.Load(n => env.GetValueOrDefault(n), _dir);

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal($"{_dir}/missing.yaml:1:1", d.Position.ToString());
        Assert.StartsWith("cannot read the Fanout config:", d.Message, StringComparison.Ordinal);
    }
}
