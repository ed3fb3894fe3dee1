namespace Fanout.Storage.Tests;

/// <summary>The store contract on PostgreSQL (a fresh database per test in the throwaway cluster).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreTests(PostgresCluster cluster) : RunStoreTests
{
    private protected override async Task<StoreLocation> CreateLocationAsync() =>
        StoreLocation.Resolve(await cluster.CreateDatabaseAsync()) with { LogDirectory = Path.Combine(TempDirectory, "logs") };
}
