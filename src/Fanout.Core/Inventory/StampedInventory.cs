namespace Fanout.Inventory;

/// <summary>
/// Inventory sources loaded once and again only when a source file changes (by size and write time), so a long-lived process —
/// the server, a cluster worker — never re-runs the parsers for every request or run. Sources that are not files (a directory, a
/// provider spec) are loaded once.
/// </summary>
/// <param name="sources">The sources, as recorded with runs (absolute paths for files).</param>
/// <param name="load">Loads the sources.</param>
internal sealed class StampedInventory(IReadOnlyList<string> sources, Func<IReadOnlyList<string>, CancellationToken, Task<Inventory>> load)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Inventory? _current;
    private string _stamp = string.Empty;

    /// <summary>Loads with <see cref="InventoryLoader"/>.</summary>
    public StampedInventory(IReadOnlyList<string> sources)
        : this(sources, InventoryLoader.LoadAsync)
    {
    }

    /// <summary>The sources.</summary>
    public IReadOnlyList<string> Sources => sources;

    /// <summary>The current inventory: the cached one while no source file changed.</summary>
    /// <exception cref="InventoryException">A source is missing or malformed.</exception>
    public async Task<Inventory> GetAsync(CancellationToken cancellationToken)
    {
        if (sources.Count == 0)
        {
            return Inventory.Empty;
        }

        string stamp = Stamp();
        if (Volatile.Read(ref _current) is { } current && stamp == Volatile.Read(ref _stamp))
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            stamp = Stamp();
            if (_current is null || stamp != _stamp)
            {
                Inventory loaded = await load(sources, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _stamp, stamp);
                Volatile.Write(ref _current, loaded);
            }

            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string Stamp() => string.Join('|', sources.Select(s =>
    {
        var info = new FileInfo(s);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : s;
    }));
}
