namespace Fanout.Inventory;

/// <summary>Builds an <see cref="Inventory"/> from targets and groups made in code.</summary>
internal static class InventoryFromCode
{
    public static Inventory Build(IEnumerable<Target> targets, IEnumerable<InventoryGroup>? groups, IEnumerable<ProviderDefinition>? providers)
    {
        var builder = new InventoryBuilder();
        SourceLocation at = builder.Source.At();
        foreach (ProviderDefinition provider in providers ?? [])
        {
            builder.AddProvider(provider, at);
        }

        foreach (Target target in targets)
        {
            if (builder.HasHost(target.Name))
            {
                throw new InventoryException($"duplicate target '{target.Name}'");
            }

            InventoryBuilder.HostNode host = builder.AddHost(target.Name, at, group: null);
            SetIfPresent(builder, host, "host", target.Host);
            SetIfPresent(builder, host, "port", target.Port);
            SetIfPresent(builder, host, "user", target.User);
            SetIfPresent(builder, host, "transport", target.Transport);
            SetIfPresent(builder, host, "provider", target.Provider);
            foreach ((string key, string value) in target.Tags)
            {
                builder.SetHostTag(host, key, value, at);
            }

            foreach ((string key, object? value) in target.Vars)
            {
                builder.SetHostVar(host, key, value, at);
            }

            foreach (string group in target.Groups)
            {
                builder.AddHost(target.Name, at, group);
            }
        }

        foreach (InventoryGroup group in groups ?? [])
        {
            builder.AddGroup(group.Name, at);
            foreach (string member in group.Targets)
            {
                if (!builder.HasHost(member))
                {
                    throw new InventoryException($"group '{group.Name}' lists unknown target '{member}'{Suggestions.DidYouMean(member, builder.HostNames)}");
                }

                builder.AddHost(member, at, group.Name);
            }

            foreach (string child in group.Children)
            {
                builder.AddChild(group.Name, child, at);
            }

            foreach ((string key, object? value) in group.Vars)
            {
                builder.SetGroupVar(group.Name, key, value, at);
            }
        }

        return builder.Build([]);
    }

    private static void SetIfPresent(InventoryBuilder builder, InventoryBuilder.HostNode host, string field, object? value)
    {
        if (value is not null)
        {
            builder.SetHostField(host, field, value, builder.Source.At());
        }
    }
}
