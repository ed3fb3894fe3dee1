using Fanout.Inventory;
using Inv = Fanout.Inventory.Inventory;

namespace Fanout.Core.Tests.Inventory;

public sealed class StampedInventoryTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 10000)]
    public async Task GetAsync_ParsesOnce_UntilASourceFileChanges()
    {
        string path = _files.Write("inventory.yaml", "targets:\n  a: {}\n");
        int loads = 0;
        var inventory = new StampedInventory([path], (sources, ct) =>
        {
            loads++;
            return InventoryLoader.LoadAsync(sources, ct);
        });

        Inv first = await inventory.GetAsync(CancellationToken.None);
        Inv again = await inventory.GetAsync(CancellationToken.None);
        Assert.Same(first, again);
        Assert.Equal(1, loads);

        File.WriteAllText(path, "targets:\n  a: {}\n  b: {}\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Inv changed = await inventory.GetAsync(CancellationToken.None);
        Assert.Equal(2, loads);
        Assert.NotNull(changed.FindTarget("b"));
        Assert.Null(first.FindTarget("b"));
    }

    [Fact(Timeout = 10000)]
    public async Task GetAsync_AMalformedChange_Throws_AndTheNextGoodFileLoads()
    {
        string path = _files.Write("inventory.yaml", "targets:\n  a: {}\n");
        var inventory = new StampedInventory([path]);
        await inventory.GetAsync(CancellationToken.None);

        File.WriteAllText(path, "targets: [\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        await Assert.ThrowsAsync<InventoryException>(() => inventory.GetAsync(CancellationToken.None));

        File.WriteAllText(path, "targets:\n  c: {}\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(2));
        Assert.NotNull((await inventory.GetAsync(CancellationToken.None)).FindTarget("c"));
    }
}
