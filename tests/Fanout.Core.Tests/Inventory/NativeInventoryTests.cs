using Fanout.Inventory;
using Inv = Fanout.Inventory.Inventory;

namespace Fanout.Core.Tests.Inventory;

public sealed class NativeInventoryTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private const string Sample = """
        defaults:
          user: ops
          port: 2200
          tags: {team: infra}
          vars: {level: default, from_default: yes}
        targets:
          web1:
            host: 10.0.0.1
            tags: {env: prod, role: web}
            groups: [web]
            vars: {level: target}
          web2:
            host: 10.0.0.2
            port: 22
            tags: {env: staging, role: web}
          builder:
            transport: local
            provider: vmware
        groups:
          prod:
            children: [web]
            vars: {level: prod, depth: parent}
          web:
            targets: [web2]
            vars: {level: web, depth: child}
        providers:
          vmware:
            start: govc vm.power -on {{ .target.name }}
            stop: govc vm.power -off {{ .target.name }}
        """;

    private Task<Inv> LoadAsync(params (string Name, string Text)[] files) =>
        InventoryLoader.LoadAsync(files.Select(f => f.Name.StartsWith("override:", StringComparison.Ordinal)
            ? "override:" + _files.Write(f.Name["override:".Length..], f.Text)
            : _files.Write(f.Name, f.Text)).ToList(), CancellationToken.None);

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_NativeYaml_AppliesDefaultsFieldsAndGroups()
    {
        Inv inventory = await LoadAsync(("fleet.yaml", Sample));

        Assert.Equal(["web1", "web2", "builder"], inventory.Targets.Select(t => t.Name));
        Target web1 = inventory.FindTarget("web1")!;
        Assert.Equal("10.0.0.1", web1.Host);
        Assert.Equal(2200, web1.Port);
        Assert.Equal("ops", web1.User);
        Assert.Equal(TransportNames.Ssh, web1.Transport);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "infra", ["env"] = "prod", ["role"] = "web" }, web1.Tags);
        Assert.Equal(["web", "prod"], web1.Groups);
        Assert.Equal(22, inventory.FindTarget("web2")!.Port);
        Target builder = inventory.FindTarget("builder")!;
        Assert.Equal(TransportNames.Local, builder.Transport);
        Assert.Equal("vmware", builder.Provider);
        Assert.Empty(builder.Groups);
        Assert.Equal(["builder"], inventory.FindGroup("ungrouped")!.Targets);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_Vars_DefaultsThenParentThenChildGroupThenTarget()
    {
        Inv inventory = await LoadAsync(("fleet.yaml", Sample));

        Target web1 = inventory.FindTarget("web1")!;
        Target web2 = inventory.FindTarget("web2")!;
        Assert.Equal("target", web1.Vars["level"]);
        Assert.Equal("web", web2.Vars["level"]);
        Assert.Equal("child", web2.Vars["depth"]);
        Assert.Equal("yes", web2.Vars["from_default"]);
        Assert.Equal("default", inventory.FindTarget("builder")!.Vars["level"]);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_Providers_KeepsCustomAndAzurePreset()
    {
        Inv inventory = await LoadAsync(("fleet.yaml", Sample));

        Assert.Equal("govc vm.power -on {{ .target.name }}", inventory.Providers["vmware"].Start);
        Assert.Null(inventory.Providers["vmware"].Restart);
        Assert.Equal(ProviderDefinition.Azure, inventory.Providers["azure"]);
        Assert.StartsWith("az vm deallocate -g {{ .target.group }}", ProviderDefinition.Azure.Stop, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_NativeJson_ReadsSameModel()
    {
        // Compact JSON (no space after ':') must parse too.
        Inv inventory = await LoadAsync(("fleet.json",
            """{"targets":{"a":{"host":"h1","port":2022,"groups":["g"]},"b":{}},"groups":{"g":{"vars":{"x":1}}}}"""));

        Assert.Equal(2022, inventory.FindTarget("a")!.Port);
        Assert.Equal(1L, inventory.FindTarget("a")!.Vars["x"]);
        Assert.Equal(["a"], inventory.FindGroup("g")!.Targets);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_UnknownField_ErrorWithPositionAndSuggestion()
    {
        string yaml = "targets:\n  web1:\n    hots: 10.0.0.1\n";
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync(("bad.yaml", yaml)));

        Assert.Equal(3, ex.Line);
        Assert.Equal(5, ex.Column);
        Assert.EndsWith("bad.yaml", ex.File, StringComparison.Ordinal);
        Assert.Contains("bad.yaml:3:5: unknown field 'hots' in target 'web1' (did you mean 'host'?)", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_UnknownTopLevelField_SuggestsTargets()
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync(("bad.yaml", "targts:\n  a: {}\n")));
        Assert.Contains("did you mean 'targets'?", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_GroupCycle_ErrorNamesCycle()
    {
        string yaml = "groups:\n  a: {children: [b]}\n  b: {children: [c]}\n  c: {children: [a]}\n";
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync(("cycle.yaml", yaml)));
        Assert.Contains("group cycle: c -> a -> b -> c", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, ex.Line);
    }

    [Theory(Timeout = 10000)]
    [InlineData("groups:\n  web: {children: [dbs]}\n  db: {}\n", "unknown child group 'dbs' (did you mean 'db'?)")]
    [InlineData("targets:\n  web1: {}\ngroups:\n  web: {targets: [web2]}\n", "unknown target 'web2' (did you mean 'web1'?)")]
    [InlineData("targets:\n  a: {provider: azur}\n", "unknown provider 'azur' (did you mean 'azure'?)")]
    [InlineData("targets:\n  a: {port: 70000}\n", "'port' must be a number 1-65535")]
    [InlineData("targets:\n  a: [1, 2]\n", "target 'a' must be a mapping")]
    [InlineData("targets:\n  a: {host: x\n", "bad.yaml:3:1: ")]
    [InlineData("override: maybe\n", "'override' must be true or false")]
    public async Task LoadAsync_InvalidNative_ClearError(string yaml, string expected)
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync(("bad.yaml", yaml)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_SameTargetConflictingField_ErrorNamesBothPlaces()
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync(
            ("one.yaml", "targets:\n  web1: {host: 10.0.0.1}\n"),
            ("two.yaml", "targets:\n  web1:\n    host: 10.0.0.9\n")));

        Assert.Contains("two.yaml:3:11: field 'host' of target 'web1' is '10.0.0.9' here but '10.0.0.1' at ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one.yaml:2:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("override", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_SameTargetCompatible_MergesAndDeduplicatesInStableOrder()
    {
        Inv inventory = await LoadAsync(
            ("one.yaml", "targets:\n  b: {host: hb, groups: [g1]}\n  a: {host: ha, tags: {k: v}}\n"),
            ("two.yaml", "targets:\n  c: {}\n  a: {host: ha, user: u, tags: {k2: v2}, groups: [g2]}\n  b: {groups: [g2]}\n"));

        Assert.Equal(["b", "a", "c"], inventory.Targets.Select(t => t.Name));
        Target a = inventory.FindTarget("a")!;
        Assert.Equal("u", a.User);
        Assert.Equal(2, a.Tags.Count);
        Assert.Equal(["g1", "g2"], inventory.FindTarget("b")!.Groups);
        Assert.Equal(["a", "b"], inventory.FindGroup("g2")!.Targets); // the order they joined, like Ansible
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_OverridePrefix_LaterSourceWins()
    {
        Inv inventory = await LoadAsync(
            ("one.yaml", "targets:\n  web1: {host: 10.0.0.1, tags: {env: prod}}\n"),
            ("override:two.yaml", "targets:\n  web1: {host: 10.0.0.9, tags: {env: test}}\n"));

        Assert.Equal("10.0.0.9", inventory.FindTarget("web1")!.Host);
        Assert.Equal("test", inventory.FindTarget("web1")!.Tags["env"]);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_OverrideTrueInFile_LaterSourceWins()
    {
        Inv inventory = await LoadAsync(
            ("one.yaml", "targets:\n  web1: {user: a}\ngroups:\n  g: {vars: {x: 1}}\n"),
            ("two.yaml", "override: true\ntargets:\n  web1: {user: b, groups: [g]}\ngroups:\n  g: {vars: {x: 2}}\n"));

        Assert.Equal("b", inventory.FindTarget("web1")!.User);
        Assert.Equal(2L, inventory.FindTarget("web1")!.Vars["x"]);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_MissingSource_ErrorNamesPath()
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync(["/nonexistent/x.yaml"], CancellationToken.None));
        Assert.Equal("/nonexistent/x.yaml: inventory source not found", ex.Message);
    }

    [Fact]
    public void ResolveSources_FallsBackFromCommandLineToEnvironmentToDefaultFile()
    {
        Assert.Equal(["a"], InventoryLoader.ResolveSources(["a"], "b,c", _files.Directory));
        Assert.Equal(["b", "c"], InventoryLoader.ResolveSources([], " b , c ", _files.Directory));
        Assert.Empty(InventoryLoader.ResolveSources([], null, _files.Directory));
        string path = _files.Write("fanout.yaml", "targets: {}\n");
        Assert.Equal([path], InventoryLoader.ResolveSources([], null, _files.Directory));
    }

    [Fact]
    public void Constructor_FromCode_CompletesGroupsAndVars()
    {
        var inventory = new Inv(
            [new Target { Name = "a", Groups = ["web"], Vars = new Dictionary<string, object?> { ["x"] = "target" } }, new Target { Name = "b" }],
            [new InventoryGroup { Name = "prod", Children = ["web"], Vars = new Dictionary<string, object?> { ["x"] = "group", ["y"] = "group" } }]);

        Target a = inventory.FindTarget("a")!;
        Assert.Equal(["web", "prod"], a.Groups);
        Assert.Equal("target", a.Vars["x"]);
        Assert.Equal("group", a.Vars["y"]);
        Assert.Equal(["a"], inventory.GetGroupTargets("prod").Select(t => t.Name));
        Assert.Equal(["b"], inventory.FindGroup("ungrouped")!.Targets);
        Assert.Throws<InventoryException>(() => new Inv([new Target { Name = "a" }, new Target { Name = "a" }]));
    }
}
