using Fanout.Runs;

namespace Fanout.Server.Inventory;

/// <summary>
/// The server's inventory: loaded from <see cref="ServerOptions.InventorySources"/> on first use and again whenever a
/// source file changes (by size and write time), so requests never re-run parsers needlessly.
/// </summary>
internal sealed class InventoryCache(ServerOptions options, RunService runs)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Fanout.Inventory.Inventory? _current;
    private string _stamp = string.Empty;

    /// <summary>The inventory sources as recorded with runs: absolute paths for files.</summary>
    public IReadOnlyList<string> Sources { get; } =
        [.. options.InventorySources.Select(s => File.Exists(s) || Directory.Exists(s) ? Path.GetFullPath(s) : s)];

    /// <summary>The current inventory.</summary>
    /// <exception cref="Fanout.Inventory.InventoryException">A source is missing or malformed.</exception>
    public async Task<Fanout.Inventory.Inventory> GetAsync(CancellationToken cancellationToken)
    {
        if (Sources.Count == 0)
        {
            return Fanout.Inventory.Inventory.Empty;
        }

        string stamp = Stamp();
        if (_current is { } current && stamp == _stamp)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            stamp = Stamp();
            if (_current is null || stamp != _stamp)
            {
                _current = await runs.LoadInventoryAsync(Sources, cancellationToken);
                _stamp = stamp;
            }

            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string Stamp() => string.Join('|', Sources.Select(s =>
    {
        var info = new FileInfo(s);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : s;
    }));
}
