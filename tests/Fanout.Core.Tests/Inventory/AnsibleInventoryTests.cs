using Fanout.Inventory;
using Inv = Fanout.Inventory.Inventory;

namespace Fanout.Core.Tests.Inventory;

public sealed class AnsibleInventoryTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Task<Inv> LoadAsync(string name, string text, bool executable = false) =>
        InventoryLoader.LoadAsync([_files.Write(name, text, executable)], CancellationToken.None);

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_IniRanges_ExpandLikeAnsible()
    {
        Inv inventory = await LoadAsync("hosts", """
            [web]
            web[01:03].example.com
            [db]
            db-[a:c]
            [odd]
            n[1:9:4]
            [mixed]
            r[8:10]-[x:y]
            """);

        Assert.Equal(["web01.example.com", "web02.example.com", "web03.example.com"], inventory.FindGroup("web")!.Targets);
        Assert.Equal(["db-a", "db-b", "db-c"], inventory.FindGroup("db")!.Targets);
        Assert.Equal(["n1", "n5", "n9"], inventory.FindGroup("odd")!.Targets);
        Assert.Equal(["r8-x", "r8-y", "r9-x", "r9-y", "r10-x", "r10-y"], inventory.FindGroup("mixed")!.Targets);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_IniHostVars_MapToTargetFields()
    {
        Inv inventory = await LoadAsync("hosts.ini", """
            # comment
            ; also a comment
            a ansible_host=10.0.0.5 ansible_port=2222 ansible_user=deploy ansible_ssh_private_key_file=/keys/id
            b:2200 note="two words" n=07 f=1.5 yes=True # trailing comment
            c ansible_connection=local
            d ansible_connection=winrm
            """);

        Target a = inventory.FindTarget("a")!;
        Assert.Equal(("10.0.0.5", 2222, "deploy", TransportNames.Ssh), (a.Host, a.Port, a.User, a.Transport));
        Assert.Equal("/keys/id", a.Vars[TargetVars.SshPrivateKeyFile]);
        Assert.Equal("/keys/id", a.Vars["ansible_ssh_private_key_file"]);
        Target b = inventory.FindTarget("b")!;
        Assert.Equal(2200, b.Port);
        Assert.Null(b.Host);
        Assert.Equal("b", b.Address);
        Assert.Equal("two words", b.Vars["note"]);
        Assert.Equal("07", b.Vars["n"]);
        Assert.Equal(1.5, b.Vars["f"]);
        Assert.Equal(true, b.Vars["yes"]);
        Assert.Equal(TransportNames.Local, inventory.FindTarget("c")!.Transport);
        Assert.Equal("winrm", inventory.FindTarget("d")!.Transport);
        Assert.Equal(["a", "b", "c", "d"], inventory.FindGroup("ungrouped")!.Targets);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_IniChildrenAndVars_GroupVarsApplyByDepthHostWins()
    {
        Inv inventory = await LoadAsync("hosts", """
            [prod:children]
            web
            [web]
            w1 role=host
            w2
            [all:vars]
            role=all
            level=all
            [prod:vars]
            level=prod
            [web:vars]
            role=web
            fanout_tags=env=prod,tier
            fanout_provider=azure
            """);

        Assert.Equal(["web"], inventory.FindGroup("prod")!.Children);
        Assert.Equal(["prod"], inventory.FindGroup("all")!.Children.Skip(1));
        Target w1 = inventory.FindTarget("w1")!;
        Target w2 = inventory.FindTarget("w2")!;
        Assert.Equal("host", w1.Vars["role"]);
        Assert.Equal("web", w2.Vars["role"]);
        Assert.Equal("prod", w2.Vars["level"]);
        Assert.Equal(["web", "prod"], w2.Groups);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["tier"] = "" }, w2.Tags);
        Assert.Equal("azure", w2.Provider);
    }

    [Theory(Timeout = 10000)]
    [InlineData("[web:vars]\nx=1\n", "hosts:1:1: section [web:vars] not valid for undefined group: web")]
    [InlineData("[prod:children]\nweb\n", "hosts:2:1: section [prod:children] includes undefined group: web")]
    [InlineData("[a:children]\nb\n[b:children]\na\n", "group cycle: b -> a -> b")]
    [InlineData("[web:hosts2]\n", "hosts:1:1: section [web:hosts2] has unknown type")]
    [InlineData("[web]\nw1 novalue\n", "hosts:2:1: expected key=value host variable assignment, got: novalue")]
    [InlineData("[web]\nw[1:3:x]\n", "hosts:2:1: ")]
    [InlineData("[web]\nw1 x='unterminated\n", "no closing quotation")]
    [InlineData("[ web ]\n", "invalid section entry")]
    public async Task LoadAsync_InvalidIni_ErrorWithLine(string text, string expected)
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync("hosts", text));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_AnsibleYaml_AllAndUngroupedLikeAnsible()
    {
        Inv inventory = await LoadAsync("inv.yml", """
            all:
              hosts:
                solo:
              children:
                web:
                  hosts:
                    w[1:2]:
                      ansible_host: 10.0.0.1
                    "w3:2222":
                app:
                  children:
                    web:
            """);

        Assert.Equal(["solo"], inventory.FindGroup("ungrouped")!.Targets);
        Assert.Equal(["ungrouped", "web", "app"], inventory.FindGroup("all")!.Children);
        Assert.Equal(2222, inventory.FindTarget("w3")!.Port);
        Assert.Equal(TransportNames.Ssh, inventory.FindTarget("solo")!.Transport);
        Assert.Equal(["web", "app"], inventory.FindTarget("w1")!.Groups);
        Assert.Empty(inventory.FindTarget("solo")!.Groups);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_AnsibleYamlUnknownGroupKey_ErrorWithSuggestion()
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync("inv.yaml", "all:\n  children:\n    web:\n      host:\n        w1:\n"));
        Assert.Contains("inv.yaml:4:7: unknown field 'host' in group 'web' (did you mean 'hosts'?)", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_YamlWithoutAnsibleShape_ReadAsNative()
    {
        Inv ansible = await LoadAsync("a.yml", "web:\n  hosts:\n    w1:\n");
        Inv native = await LoadAsync("n.yml", "targets:\n  w1: {groups: [web]}\n");
        Assert.Equal(TransportNames.Ssh, ansible.FindTarget("w1")!.Transport);
        Assert.Equal(TransportNames.Local, native.FindTarget("w1")!.Transport);
        Assert.Equal(["w1"], ansible.FindGroup("web")!.Targets);
        Assert.Equal(["w1"], native.FindGroup("web")!.Targets);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_DynamicScriptWithoutMeta_AsksEachHost()
    {
        Inv inventory = await LoadAsync("inv.sh", """
            #!/bin/sh
            case "$1" in
              --list) echo '{"web": ["w1", "w2"], "db": {"hosts": ["d1"], "vars": {"x": 1}, "children": ["web"]}}' ;;
              --host) echo "{\"ansible_host\": \"ip-$2\"}" ;;
            esac
            """, executable: true);

        Assert.Equal(["w1", "w2", "d1"], inventory.Targets.Select(t => t.Name));
        Assert.Equal("ip-w2", inventory.FindTarget("w2")!.Host);
        Assert.Equal(1L, inventory.FindTarget("w1")!.Vars["x"]);
        Assert.Equal(["web"], inventory.FindGroup("db")!.Children);
    }

    [Theory(Timeout = 20000)]
    [InlineData("echo boom >&2; exit 3", "exit code 3): boom")]
    [InlineData("echo '{not json'", "output is not valid JSON")]
    [InlineData("echo '[1]'", "needs to be a JSON object")]
    public async Task LoadAsync_BrokenDynamicScript_ClearError(string body, string expected)
    {
        var ex = await Assert.ThrowsAsync<InventoryException>(() => LoadAsync("broken", "#!/bin/sh\n" + body + "\n", executable: true));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task LoadAsync_IniAndNativeTogether_MergeMembershipAndDetectConflicts()
    {
        string ini = _files.Write("hosts", "[web]\nw1 ansible_user=deploy\n");
        string native = _files.Write("more.yaml", "targets:\n  w1: {tags: {env: prod}, groups: [canary]}\n  w2: {host: h2}\n");
        string conflicting = _files.Write("other.ini", "[web]\nw1 ansible_user=root\n");

        Inv inventory = await InventoryLoader.LoadAsync([ini, native], CancellationToken.None);
        var ex = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync([ini, conflicting], CancellationToken.None));
        Inv overridden = await InventoryLoader.LoadAsync([ini, "override:" + conflicting], CancellationToken.None);

        Target w1 = inventory.FindTarget("w1")!;
        Assert.Equal(("deploy", TransportNames.Ssh, "prod"), (w1.User, w1.Transport, w1.Tags["env"]));
        Assert.Equal(["web", "canary"], w1.Groups);
        Assert.Equal(["w1", "w2"], inventory.Targets.Select(t => t.Name));
        Assert.Contains("other.ini:2:1: variable 'ansible_user' of target 'w1' is 'root' here but 'deploy' at ", ex.Message, StringComparison.Ordinal);
        Assert.Equal("root", overridden.FindTarget("w1")!.User);
    }
}
