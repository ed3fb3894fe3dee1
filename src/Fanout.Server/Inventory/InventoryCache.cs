using Fanout.Runs;

namespace Fanout.Server.Inventory;

/// <summary>
/// The server's inventory: loaded from <see cref="ServerOptions.InventorySources"/> on first use and again whenever a
/// source file changes (by size and write time, <see cref="Fanout.Inventory.StampedInventory"/>), so requests never re-run parsers needlessly.
/// </summary>
internal sealed class InventoryCache
{
    private readonly Fanout.Inventory.StampedInventory _inventory;

    public InventoryCache(ServerOptions options, RunService runs)
    {
        Sources = [.. options.InventorySources.Select(s => File.Exists(s) || Directory.Exists(s) ? Path.GetFullPath(s) : s)];
        _inventory = new Fanout.Inventory.StampedInventory(Sources, runs.LoadInventoryAsync);
    }

    /// <summary>The inventory sources as recorded with runs: absolute paths for files.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The current inventory.</summary>
    /// <exception cref="Fanout.Inventory.InventoryException">A source is missing or malformed.</exception>
    public Task<Fanout.Inventory.Inventory> GetAsync(CancellationToken cancellationToken) => _inventory.GetAsync(cancellationToken);
}
