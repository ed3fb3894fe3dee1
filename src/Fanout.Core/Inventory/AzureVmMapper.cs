namespace Fanout.Inventory;

/// <summary>
/// Maps <c>az vm list --show-details -o json</c> output (SPEC T7) to targets: <c>name</c>; the
/// <c>resourceGroup</c> becomes the first group and a tag; VM tags, <c>powerState</c> and
/// <c>location</c> become tags; the first of <c>publicIps</c>, else <c>privateIps</c>, is the host;
/// <c>osProfile.adminUsername</c> is the user; transport <c>ssh</c>, provider <c>azure</c>.
/// </summary>
internal static class AzureVmMapper
{
    public static void Add(object? data, string display, InventoryBuilder builder)
    {
        if (data is not List<object?> vms)
        {
            throw new InventoryException("expected a JSON array of virtual machines (the shape of 'az vm list --show-details -o json')", display);
        }

        var resourceGroups = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < vms.Count; i++)
        {
            var at = new SourceLocation($"{display} (output, VM #{i + 1})", 0, 0);
            if (vms[i] is not IReadOnlyDictionary<string, object?> vm)
            {
                throw new InventoryException(at, "expected a JSON object for each virtual machine");
            }

            string name = Text(vm, "name") is { Length: > 0 } n ? n : throw new InventoryException(at, "virtual machine without a 'name'");
            string? resourceGroup = Text(vm, "resourceGroup");
            if (resourceGroups.TryGetValue(name, out string? otherGroup))
            {
                throw new InventoryException(at,
                    $"virtual machine name '{name}' appears in resource groups '{otherGroup}' and '{resourceGroup}'; target names must be unique " +
                    "(restrict the listing, e.g. 'azure:--resource-group NAME')");
            }

            resourceGroups[name] = resourceGroup;
            InventoryBuilder.HostNode host = builder.AddHost(name, at, resourceGroup);
            string? address = FirstAddress(Text(vm, "publicIps")) ?? FirstAddress(Text(vm, "privateIps"));
            if (address is not null)
            {
                builder.SetHostField(host, "host", address, at);
            }

            if (Path(vm, "osProfile", "adminUsername") is string user && user.Length > 0)
            {
                builder.SetHostField(host, "user", user, at);
            }

            builder.SetHostField(host, "transport", TransportNames.Ssh, at);
            builder.SetHostField(host, "provider", ProviderDefinition.AzureName, at);

            if (vm.GetValueOrDefault("tags") is IReadOnlyDictionary<string, object?> tags)
            {
                foreach ((string key, object? value) in tags)
                {
                    builder.SetHostTag(host, key, ValueEquality.AsString(value) ?? string.Empty, at);
                }
            }

            // Facts win over VM tags of the same name.
            SetTag(builder, host, "resourceGroup", resourceGroup, at);
            SetTag(builder, host, "powerState", Text(vm, "powerState"), at);
            SetTag(builder, host, "location", Text(vm, "location"), at);

            SetVar(builder, host, "resource_group", resourceGroup, at);
            SetVar(builder, host, "location", Text(vm, "location"), at);
            SetVar(builder, host, "power_state", Text(vm, "powerState"), at);
            SetVar(builder, host, "azure_id", Text(vm, "id"), at);
            SetVar(builder, host, "azure_vm_id", Text(vm, "vmId"), at);
            SetVar(builder, host, "vm_size", Path(vm, "hardwareProfile", "vmSize") as string, at);
            SetVar(builder, host, "os_type", Path(vm, "storageProfile", "osDisk", "osType") as string, at);
            SetVar(builder, host, "public_ips", Split(Text(vm, "publicIps")), at);
            SetVar(builder, host, "private_ips", Split(Text(vm, "privateIps")), at);
            SetVar(builder, host, "fqdns", Split(Text(vm, "fqdns")), at);
        }
    }

    private static string? Text(IReadOnlyDictionary<string, object?> vm, string key) => ValueEquality.AsString(vm.GetValueOrDefault(key));

    private static object? Path(IReadOnlyDictionary<string, object?> vm, params string[] keys)
    {
        object? current = vm;
        foreach (string key in keys)
        {
            current = current is IReadOnlyDictionary<string, object?> map ? map.GetValueOrDefault(key) : null;
        }

        return current;
    }

    /// <summary>az joins several addresses with commas: <c>"20.1.2.3,20.1.2.4"</c>.</summary>
    private static List<object?> Split(string? text) =>
        (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Cast<object?>().ToList();

    private static string? FirstAddress(string? text) => Split(text).FirstOrDefault() as string;

    private static void SetTag(InventoryBuilder builder, InventoryBuilder.HostNode host, string key, string? value, SourceLocation at)
    {
        if (value is not null)
        {
            builder.SetHostTag(host, key, value, at);
        }
    }

    private static void SetVar(InventoryBuilder builder, InventoryBuilder.HostNode host, string key, object? value, SourceLocation at)
    {
        if (value is not null)
        {
            builder.SetHostVar(host, key, value, at);
        }
    }
}
