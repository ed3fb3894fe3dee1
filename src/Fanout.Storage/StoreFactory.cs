using System.Data.Common;
using Fanout.Runs;

namespace Fanout.Storage;

/// <summary>Opens the store named by <c>--store</c> / <c>FANOUT_STORE</c> / the default (SPEC S-QL), migrating its schema.</summary>
public static class StoreFactory
{
    /// <summary>Opens the store at <paramref name="spec"/>: a SQLite file path, a <c>postgres://</c> URL, or <see langword="null"/> for <c>FANOUT_STORE</c> or the default file.</summary>
    /// <exception cref="StoreException">The store cannot be opened or migrated.</exception>
    public static Task<IFanoutStore> OpenAsync(string? spec, CancellationToken cancellationToken) =>
        OpenAsync(spec, TimeProvider.System, cancellationToken);

    /// <summary>Opens the store with an explicit clock (tests).</summary>
    /// <exception cref="StoreException">The store cannot be opened or migrated.</exception>
    public static Task<IFanoutStore> OpenAsync(string? spec, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        OpenAsync(StoreLocation.Resolve(spec), timeProvider, null, cancellationToken);

    internal static async Task<IFanoutStore> OpenAsync(StoreLocation location, TimeProvider timeProvider, OwnerProbe? owner, CancellationToken cancellationToken)
    {
        try
        {
            // One database (dialect + shared helpers), composed into the store of one-concern types.
            StoreDatabase database = location.IsPostgres
                ? await PostgresDatabase.OpenAsync(location.Target, location.Display, location.LogDirectory, timeProvider, cancellationToken).ConfigureAwait(false)
                : await SqliteDatabase.OpenAsync(location.Target, location.LogDirectory, timeProvider, cancellationToken).ConfigureAwait(false);
            return new AdoRunStore(database, owner);
        }
        catch (DbException e)
        {
            throw new StoreException($"cannot open the run store at {location.Display}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new StoreException($"cannot open the run store at {location.Display}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreException($"cannot open the run store at {location.Display}: {e.Message}", e);
        }
    }
}
