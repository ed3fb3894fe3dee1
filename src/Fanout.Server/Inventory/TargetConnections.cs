using Fanout.Documents;
using Fanout.Inventory;

namespace Fanout.Server.Inventory;

/// <summary>
/// Connection metadata of a run's targets for the server's documents (status pages, logs, exports; seed 003): looked up by
/// target name in the server's current inventory (<see cref="ConnectionDocument.Of"/>: transport, host, port, user — never a
/// secret). A target no longer in the inventory, or an inventory that cannot be loaded, gives none rather than an error:
/// the results themselves are still served.
/// </summary>
internal static class TargetConnections
{
    public static async Task<Func<string, ConnectionDocument?>> ResolverAsync(InventoryCache cache, CancellationToken cancellationToken)
    {
        try
        {
            Fanout.Inventory.Inventory inventory = await cache.GetAsync(cancellationToken);
            return name => inventory.FindTarget(name) is { } target ? ConnectionDocument.Of(target) : null;
        }
        catch (InventoryException)
        {
            return _ => null;
        }
    }
}
