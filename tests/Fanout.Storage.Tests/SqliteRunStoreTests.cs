namespace Fanout.Storage.Tests;

/// <summary>The store contract on SQLite (a fresh file per test).</summary>
public sealed class SqliteRunStoreTests : RunStoreTests
{
    private protected override Task<StoreLocation> CreateLocationAsync() =>
        Task.FromResult(StoreLocation.Resolve(Path.Combine(TempDirectory, "fanout.db")));
}
