using Fanout.Inventory;
using Inv = Fanout.Inventory.Inventory;

namespace Fanout.Core.Tests.Inventory;

public sealed class AzureInventoryTests : IDisposable
{
    // The documented shape of `az vm list --show-details -o json` (trimmed): addresses are
    // comma-joined strings, powerState is "VM running" / "VM deallocated", resource groups upper-case.
    private const string VmList = """
        [
          {
            "id": "/subscriptions/0000/resourceGroups/WEB-RG/providers/Microsoft.Compute/virtualMachines/web-01",
            "name": "web-01",
            "resourceGroup": "WEB-RG",
            "location": "westeurope",
            "tags": {"env": "prod", "role": "web"},
            "vmId": "6a1f0000-0000-0000-0000-000000000001",
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {"osDisk": {"osType": "Linux", "name": "web-01_OsDisk"}},
            "osProfile": {"adminUsername": "azureuser", "computerName": "web-01"},
            "powerState": "VM running",
            "publicIps": "20.10.0.1,20.10.0.2",
            "privateIps": "10.0.0.4",
            "fqdns": "web-01.westeurope.cloudapp.azure.com",
            "macAddresses": "00-0D-3A-00-00-01",
            "provisioningState": "Succeeded"
          },
          {
            "id": "/subscriptions/0000/resourceGroups/DB-RG/providers/Microsoft.Compute/virtualMachines/db-01",
            "name": "db-01",
            "resourceGroup": "DB-RG",
            "location": "westeurope",
            "tags": null,
            "vmId": "6a1f0000-0000-0000-0000-000000000002",
            "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
            "storageProfile": {"osDisk": {"osType": "Linux"}},
            "osProfile": null,
            "powerState": "VM deallocated",
            "publicIps": "",
            "privateIps": "10.0.1.4",
            "fqdns": "",
            "provisioningState": "Succeeded"
          }
        ]
        """;

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string StandInAz(string output) => _files.Write("az", $$"""
        #!/bin/sh
        case "$*" in
          "vm list --show-details -o json"|"vm list --show-details -o json --resource-group WEB-RG") cat <<'JSON'
        {{output}}
        JSON
          ;;
          *) echo "unexpected arguments: $*" >&2; exit 2 ;;
        esac
        """, executable: true);

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_AzureSource_MapsVmListShape()
    {
        var options = new InventoryLoaderOptions { AzureCommand = StandInAz(VmList) };

        Inv inventory = await InventoryLoader.LoadAsync(["azure:"], options, CancellationToken.None);

        Assert.Equal(["web-01", "db-01"], inventory.Targets.Select(t => t.Name));
        Target web = inventory.FindTarget("web-01")!;
        Assert.Equal(("20.10.0.1", "azureuser", TransportNames.Ssh, "azure"), (web.Host, web.User, web.Transport, web.Provider));
        Assert.Equal(["WEB-RG"], web.Groups);
        Assert.Equal("prod", web.Tags["env"]);
        Assert.Equal("WEB-RG", web.Tags["resourceGroup"]);
        Assert.Equal("VM running", web.Tags["powerState"]);
        Assert.Equal("westeurope", web.Tags["location"]);
        Assert.Equal("Standard_B2s", web.Vars["vm_size"]);
        Assert.Equal("Linux", web.Vars["os_type"]);
        Assert.Equal(new List<object?> { "20.10.0.1", "20.10.0.2" }, web.Vars["public_ips"]);
        Target db = inventory.FindTarget("db-01")!;
        Assert.Equal("10.0.1.4", db.Host);
        Assert.Null(db.User);
        Assert.Equal("VM deallocated", db.Tags["powerState"]);
        Assert.Equal(["db-01"], inventory.FindGroup("DB-RG")!.Targets);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_AzureSourceWithArguments_PassesThemToAz()
    {
        var options = new InventoryLoaderOptions { AzureCommand = StandInAz(VmList) };
        Inv inventory = await InventoryLoader.LoadAsync(["azure:--resource-group WEB-RG"], options, CancellationToken.None);
        Assert.Equal(2, inventory.Targets.Count);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_CommandSourceWithArray_UsesAzureMapping()
    {
        string file = _files.Write("vms.json", VmList);
        Inv inventory = await InventoryLoader.LoadAsync([$"cmd:cat '{file}'"], CancellationToken.None);
        Assert.Equal("azure", inventory.FindTarget("db-01")!.Provider);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_CommandSourceWithObject_UsesAnsibleDynamicShape()
    {
        Inv inventory = await InventoryLoader.LoadAsync(
            ["""cmd:echo '{"web": ["a"], "_meta": {"hostvars": {"a": {"ansible_host": "1.2.3.4"}}}}'"""], CancellationToken.None);
        Assert.Equal("1.2.3.4", inventory.FindTarget("a")!.Host);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_SameVmNameInTwoResourceGroups_Error()
    {
        string twice = """[{"name": "vm", "resourceGroup": "A"}, {"name": "vm", "resourceGroup": "B"}]""";
        var options = new InventoryLoaderOptions { AzureCommand = StandInAz(twice) };
        var ex = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync(["azure:"], options, CancellationToken.None));
        Assert.Contains("'vm' appears in resource groups 'A' and 'B'", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_AzFails_ErrorWithStderr()
    {
        var options = new InventoryLoaderOptions { AzureCommand = StandInAz(VmList) };
        var ex = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync(["azure:--bogus"], options, CancellationToken.None));
        Assert.Contains("exit code 2: unexpected arguments: vm list --show-details -o json --bogus", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 20000)]
    public async Task LoadAsync_CommandTimesOut_ClearError()
    {
        var options = new InventoryLoaderOptions { CommandTimeout = TimeSpan.FromMilliseconds(300) };
        var ex = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync(["cmd:sleep 10"], options, CancellationToken.None));
        Assert.Contains("did not finish within 0.3 s", ex.Message, StringComparison.Ordinal);
    }
}
