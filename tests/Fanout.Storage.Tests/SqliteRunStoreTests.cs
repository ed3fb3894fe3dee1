using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Storage.Tests;

/// <summary>The store contract on SQLite (a fresh file per test).</summary>
public sealed class SqliteRunStoreTests : RunStoreTests
{
    private protected override Task<StoreLocation> CreateLocationAsync() =>
        Task.FromResult(StoreLocation.Resolve(Path.Combine(TempDirectory, "fanout.db")));

    [Fact(Timeout = 30000)]
    public async Task BulkWrites_TextWithNul_IsStoredByteForByte()
    {
        // SQLite's text holds U+0000; PostgreSQL's cannot (PostgresRunStoreTests: refused whole, never altered).
        IFanoutStore store = await OpenAsync();
        AuditEntry entry = new() { Timestamp = T0, Actor = "ci", Action = "execution.finish", Target = "a\0b", Detail = "out\0put\0" };

        await store.Audit.AppendAuditAsync([entry], CancellationToken.None);
        await store.CreateRunAsync(NewRun("r"), Targets("x\0y"), CancellationToken.None);

        Assert.Equal(entry, Assert.Single(await store.Audit.QueryAuditAsync(new AuditQuery(), CancellationToken.None)) with { Id = 0 });
        Assert.Equal("x\0y", Assert.Single(await store.GetRunTargetsAsync("r", CancellationToken.None)).Target);
    }
}
