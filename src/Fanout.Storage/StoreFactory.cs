using System.Data.Common;
using Fanout.Runs;

namespace Fanout.Storage;

/// <summary>Opens the run store named by <c>--store</c> / <c>FANOUT_STORE</c> / the default (SPEC S-QL), migrating its schema.</summary>
public static class StoreFactory
{
    /// <summary>Opens the store at <paramref name="spec"/>: a SQLite file path, a <c>postgres://</c> URL, or <see langword="null"/> for <c>FANOUT_STORE</c> or the default file.</summary>
    /// <exception cref="StoreException">The store cannot be opened or migrated.</exception>
    public static Task<IRunStore> OpenAsync(string? spec, CancellationToken cancellationToken) =>
        OpenAsync(spec, TimeProvider.System, cancellationToken);

    /// <summary>Opens the store with an explicit clock (tests).</summary>
    /// <exception cref="StoreException">The store cannot be opened or migrated.</exception>
    public static Task<IRunStore> OpenAsync(string? spec, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        OpenAsync(StoreLocation.Resolve(spec), timeProvider, null, cancellationToken);

    internal static async Task<IRunStore> OpenAsync(StoreLocation location, TimeProvider timeProvider, OwnerProbe? owner, CancellationToken cancellationToken)
    {
        try
        {
            return location.IsPostgres
                ? await PostgresRunStore.OpenAsync(location.Target, location.Display, location.LogDirectory, timeProvider, owner, cancellationToken).ConfigureAwait(false)
                : await SqliteRunStore.OpenAsync(location.Target, location.LogDirectory, timeProvider, owner, cancellationToken).ConfigureAwait(false);
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
