namespace Fanout.Inventory;

/// <summary>
/// Ansible dynamic inventory output (the <c>script</c> plugin): groups as lists or
/// <c>{hosts, vars, children}</c>, host variables from <c>_meta.hostvars</c> or, when there is no
/// <c>_meta</c>, from <c>SCRIPT --host NAME</c>.
/// </summary>
internal static class AnsibleDynamicInventory
{
    /// <summary>Runs <c>PATH --list</c> (and <c>--host</c> when needed) and adds the result.</summary>
    public static async Task LoadScriptAsync(string path, InventorySource source, InventoryBuilder builder, InventoryLoaderOptions options, CancellationToken cancellationToken)
    {
        string display = path + " --list";
        ExternalCommand.Result list = await ExternalCommand.RunAsync(path, ["--list"], display, options.CommandTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
        if (list.ExitCode != 0)
        {
            throw new InventoryException($"inventory script had an execution error (exit code {list.ExitCode}): {list.StandardError.Trim()}", display);
        }

        object? data = JsonValues.Parse(list.StandardOutput, display);
        List<string> hosts = Add(data, display, source, builder, out IReadOnlyDictionary<string, object?>? meta);
        foreach (string host in hosts)
        {
            object? vars;
            if (meta is not null)
            {
                vars = meta.GetValueOrDefault(host) ?? new Dictionary<string, object?>();
            }
            else
            {
                string hostDisplay = $"{path} --host {host}";
                ExternalCommand.Result one = await ExternalCommand.RunAsync(path, ["--host", host], hostDisplay, options.CommandTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
                vars = string.IsNullOrWhiteSpace(one.StandardOutput) ? new Dictionary<string, object?>() : JsonValues.Parse(one.StandardOutput, hostDisplay);
            }

            SetHostVars(host, vars, display, source, builder);
        }
    }

    /// <summary>Adds groups and hosts from parsed output; returns the hosts it named.</summary>
    public static List<string> Add(object? data, string display, InventorySource source, InventoryBuilder builder, out IReadOnlyDictionary<string, object?>? meta)
    {
        if (data is not IReadOnlyDictionary<string, object?> groups)
        {
            throw new InventoryException("inventory output needs to be a JSON object (dict)", display);
        }

        meta = null;
        var hosts = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        SourceLocation at = new(display, 0, 0);
        foreach ((string group, object? value) in groups)
        {
            if (group == "_meta")
            {
                if (value is IReadOnlyDictionary<string, object?> m && m.TryGetValue("hostvars", out object? hv))
                {
                    meta = hv as IReadOnlyDictionary<string, object?>
                        ?? throw new InventoryException("_meta.hostvars must be an object", display);
                }

                continue;
            }

            builder.AddGroup(group, at);
            IReadOnlyDictionary<string, object?> body = value switch
            {
                IReadOnlyDictionary<string, object?> d when d.ContainsKey("hosts") || d.ContainsKey("vars") || d.ContainsKey("children") => d,
                IReadOnlyDictionary<string, object?> d => new Dictionary<string, object?> { ["hosts"] = new List<object?> { group }, ["vars"] = d },
                _ => new Dictionary<string, object?> { ["hosts"] = value },
            };

            if (body.TryGetValue("hosts", out object? hostList))
            {
                if (hostList is not List<object?> names)
                {
                    throw new InventoryException($"group '{group}' has bad data for the host list: expected a list", display);
                }

                foreach (object? name in names)
                {
                    string hostName = ValueEquality.AsString(name) ?? throw new InventoryException($"group '{group}' lists a null host", display);
                    builder.AddHost(hostName, at, group).FromAnsible = true;
                    if (seen.Add(hostName))
                    {
                        hosts.Add(hostName);
                    }
                }
            }

            if (body.TryGetValue("vars", out object? vars))
            {
                if (vars is not IReadOnlyDictionary<string, object?> varMap)
                {
                    throw new InventoryException($"group '{group}' has bad data for variables: expected an object", display);
                }

                foreach ((string key, object? v) in varMap)
                {
                    builder.SetGroupVar(group, key, v, at);
                }
            }

            if (body.TryGetValue("children", out object? children) && children is List<object?> childNames)
            {
                foreach (object? child in childNames)
                {
                    string childName = ValueEquality.AsString(child) ?? throw new InventoryException($"group '{group}' lists a null child", display);
                    builder.AddGroup(childName, at);
                    builder.AddChild(group, childName, at);
                }
            }
        }

        return hosts;
    }

    public static void SetHostVars(string host, object? vars, string display, InventorySource source, InventoryBuilder builder)
    {
        if (vars is not IReadOnlyDictionary<string, object?> map)
        {
            throw new InventoryException($"improperly formatted host information for {host}: expected an object", display);
        }

        InventoryBuilder.HostNode node = builder.GetHost(host);
        foreach ((string key, object? value) in map)
        {
            builder.SetHostVar(node, key, value, new SourceLocation(display, 0, 0));
        }

        _ = source;
    }
}
