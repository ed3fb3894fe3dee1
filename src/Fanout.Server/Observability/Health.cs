using Fanout.Inventory;
using Fanout.Server.Batches;
using Fanout.Server.Inventory;

namespace Fanout.Server.Observability;

/// <summary>
/// <c>GET /healthz</c> (no token): <c>ok</c>, or <c>degraded</c> naming the components that are not (the inventory cannot be
/// loaded, the server is stopping) — still 200, since the process itself serves. No details: the answer is anonymous.
/// </summary>
internal static class Health
{
    public static async Task<IResult> CheckAsync(InventoryCache inventory, BatchQueue queue, CancellationToken cancellationToken)
    {
        string inventoryState;
        try
        {
            await inventory.GetAsync(cancellationToken);
            inventoryState = "ok";
        }
        catch (InventoryException)
        {
            inventoryState = "unavailable";
        }

        string queueState = queue.IsStopping ? "stopping" : "ok";
        bool ok = inventoryState == "ok" && queueState == "ok";
        return Results.Ok(new HealthDocument(ok ? "ok" : "degraded", new HealthComponents(inventoryState, queueState)));
    }
}

/// <summary>The health answer: <c>status</c> is <c>ok</c> or <c>degraded</c>.</summary>
internal sealed record HealthDocument(string Status, HealthComponents Components);

/// <summary>Per component: <c>inventory</c> is <c>ok</c> or <c>unavailable</c> (batch creation answers 503), <c>queue</c> <c>ok</c> or <c>stopping</c>.</summary>
internal sealed record HealthComponents(string Inventory, string Queue);
