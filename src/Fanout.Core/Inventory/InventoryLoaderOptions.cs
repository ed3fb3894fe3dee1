namespace Fanout.Inventory;

/// <summary>Options for <see cref="InventoryLoader"/>.</summary>
public sealed class InventoryLoaderOptions
{
    /// <summary>
    /// The Azure CLI executable used by <c>azure:</c> sources (a name looked up on PATH, or a path).
    /// </summary>
    /// <value>The default value is <c>az</c>.</value>
    public string AzureCommand { get; set; } = "az";

    /// <summary>How long an inventory command (dynamic script, <c>az</c>, <c>cmd:</c>) may run.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock for command timeouts.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
