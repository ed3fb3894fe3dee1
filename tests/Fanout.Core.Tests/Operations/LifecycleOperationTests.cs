using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Core.Tests.Operations;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LifecycleOperationTests
{
    private static readonly string AzDir = CreateStandInAz();

    public LifecycleOperationTests() => Assert.True(Directory.Exists(AzDir)); // puts the stand-in az on PATH first

    private static string LogFile => Path.Combine(AzDir, "az.log");

    [Theory(Timeout = 30000)]
    [InlineData(LifecycleAction.Start, "vm start -g")]
    [InlineData(LifecycleAction.Stop, "vm deallocate -g")]
    [InlineData(LifecycleAction.Restart, "vm restart -g")]
    [InlineData(LifecycleAction.Status, "vm get-instance-view -g")]
    public async Task ExecuteAsync_AzurePreset_RunsAzWithQuotedTargetFields(LifecycleAction action, string expected)
    {
        string name = $"vm-{Guid.NewGuid():N}";
        var target = new Target { Name = name, Groups = ["rg prod"], Provider = "azure" };
        var op = new LifecycleOperation(action, new Dictionary<string, ProviderDefinition>());

        OperationResult result = await op.ExecuteAsync(target, new SessionOperationContext(null), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        Assert.Contains(File.ReadAllLines(LogFile), l => l.StartsWith($"{expected} [rg prod] -n [{name}]", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task RollbackAsync_StartAndStop_AreEachOthersRollback()
    {
        string name = $"vm-{Guid.NewGuid():N}";
        var target = new Target { Name = name, Groups = ["rg"], Provider = "azure" };
        var start = new LifecycleOperation(LifecycleAction.Start, new Dictionary<string, ProviderDefinition>());

        OperationResult rolledBack = await start.RollbackAsync(target, new SessionOperationContext(null), CancellationToken.None);

        Assert.True(start.SupportsRollback);
        Assert.False(new LifecycleOperation(LifecycleAction.Status, new Dictionary<string, ProviderDefinition>()).SupportsRollback);
        Assert.True(rolledBack.Success, rolledBack.Error);
        Assert.Contains($"vm deallocate -g [rg] -n [{name}]", File.ReadAllLines(LogFile));
    }

    [Fact(Timeout = 30000)]
    public async Task ExecuteAsync_CustomProviderWithHostileVar_ValueStaysOneWord()
    {
        string marker = Path.Combine(AzDir, $"pwned-{Guid.NewGuid():N}");
        var providers = new Dictionary<string, ProviderDefinition>
        {
            ["svc"] = new() { Name = "svc", Start = "printf '<%s>' {{ .target.vars.unit }} {{ .target.tags.env }}" },
        };
        var target = new Target
        {
            Name = "t1",
            Provider = "svc",
            Vars = new Dictionary<string, object?> { ["unit"] = $"a b; touch {marker}" },
            Tags = new Dictionary<string, string> { ["env"] = "it's" },
        };

        OperationResult result = await new LifecycleOperation(LifecycleAction.Start, providers).ExecuteAsync(target, new SessionOperationContext(null), CancellationToken.None);

        Assert.True(result.Success, result.Error);
        Assert.Equal($"<a b; touch {marker}><it's>", result.Stdout.Text);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Validate_MissingProviderActionOrField_ReportsWhy()
    {
        var providers = new Dictionary<string, ProviderDefinition> { ["svc"] = new() { Name = "svc", Start = "run {{ .target.vars.unit }}" } };

        Assert.Contains("no lifecycle provider", new LifecycleOperation(LifecycleAction.Start, providers).Validate(new Target { Name = "a" }));
        Assert.Contains("unknown provider 'nope'", new LifecycleOperation(LifecycleAction.Start, providers).Validate(new Target { Name = "a", Provider = "nope" }));
        Assert.Contains("does not define 'stop'", new LifecycleOperation(LifecycleAction.Stop, providers).Validate(new Target { Name = "a", Provider = "svc" }));
        Assert.Contains("vars.unit", new LifecycleOperation(LifecycleAction.Start, providers).Validate(new Target { Name = "a", Provider = "svc" }));
    }

    private static string CreateStandInAz()
    {
        string dir = Directory.CreateTempSubdirectory("fanout-az-").FullName;
        string az = Path.Combine(dir, "az");
        File.WriteAllText(az, $"#!/bin/sh\n{{ for a in \"$@\"; do printf '[%s] ' \"$a\"; done; echo; }} | sed 's/\\[\\(vm\\|start\\|deallocate\\|restart\\|get-instance-view\\|-g\\|-n\\|--query\\|instanceView.statuses\\[1\\].displayStatus\\|-o\\|tsv\\)\\]/\\1/g; s/ $//' >> {dir}/az.log\n");
        File.SetUnixFileMode(az, (UnixFileMode)Convert.ToInt32("755", 8));
        Environment.SetEnvironmentVariable("PATH", dir + ":" + Environment.GetEnvironmentVariable("PATH"));
        return dir;
    }
}
