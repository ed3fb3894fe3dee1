using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Storage.Tests;

public abstract partial class RunStoreTests
{
    [Fact(Timeout = 30000)]
    public async Task Tokens_AddFindListRevoke_RoundTripWithoutTheSecret()
    {
        IFanoutStore store = await OpenAsync();
        var tokens = store.Tokens;
        (string secret, string prefix, string hash) = ApiTokens.Generate();
        var record = new ApiTokenRecord { Name = "ci", Role = ApiRole.Operator, Prefix = prefix, Hash = hash, CreatedAt = T0 };

        Assert.True(await tokens.AddTokenAsync(record, CancellationToken.None));
        Assert.False(await tokens.AddTokenAsync(record with { Prefix = "fo_00000000" }, CancellationToken.None));
        Assert.False(await tokens.AddTokenAsync(record with { Name = "other" }, CancellationToken.None));

        ApiTokenRecord? found = await tokens.FindTokenByPrefixAsync(ApiTokens.PrefixOf(secret)!, CancellationToken.None);
        Assert.Equal(record, found);
        Assert.True(ApiTokens.Matches(secret, found!.Hash));
        Assert.False(ApiTokens.Matches(secret + "x", found.Hash));
        Assert.Null(await tokens.FindTokenByPrefixAsync("fo_ffffffff", CancellationToken.None));

        await tokens.TouchTokenAsync("ci", T0.AddMinutes(1), CancellationToken.None);
        Assert.True(await tokens.RevokeTokenAsync("ci", T0.AddMinutes(2), CancellationToken.None));
        Assert.False(await tokens.RevokeTokenAsync("ci", T0.AddMinutes(3), CancellationToken.None));
        Assert.False(await tokens.RevokeTokenAsync("nobody", T0, CancellationToken.None));
        ApiTokenRecord listed = Assert.Single(await tokens.GetTokensAsync(CancellationToken.None));
        Assert.Equal(T0.AddMinutes(1), listed.LastUsedAt);
        Assert.Equal(T0.AddMinutes(2), listed.RevokedAt);
        Assert.DoesNotContain(secret, listed.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Audit_AppendThenQuery_FiltersByBatchActorAndActionInOrder()
    {
        IFanoutStore store = await OpenAsync();
        var audit = store.Audit;
        AuditEntry[] entries =
        [
            new() { Timestamp = T0, Actor = "ci", Action = "batch.create", BatchId = "b1", TargetCount = 3, Detail = "command: echo hi" },
            new() { Timestamp = T0.AddSeconds(1), Actor = "ci", Action = "execution.finish", BatchId = "b1", Target = "web1", DurationMs = 12.5 },
            new() { Timestamp = T0.AddSeconds(2), Actor = "admin", Action = "token.create", Detail = "ci (operator)" },
        ];

        await audit.AppendAuditAsync(entries, CancellationToken.None);
        await audit.AppendAuditAsync([], CancellationToken.None);

        IReadOnlyList<AuditEntry> all = await audit.QueryAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(entries, all.Select(e => e with { Id = 0 }));
        Assert.True(all[0].Id < all[1].Id && all[1].Id < all[2].Id);
        Assert.Equal(2, (await audit.QueryAuditAsync(new AuditQuery { BatchId = "b1" }, CancellationToken.None)).Count);
        Assert.Equal("token.create", Assert.Single(await audit.QueryAuditAsync(new AuditQuery { Actor = "admin" }, CancellationToken.None)).Action);
        Assert.Equal("web1", Assert.Single(await audit.QueryAuditAsync(new AuditQuery { Action = "execution.finish" }, CancellationToken.None)).Target);
        Assert.Single(await audit.QueryAuditAsync(new AuditQuery { AfterId = all[1].Id }, CancellationToken.None));
        Assert.Single(await audit.QueryAuditAsync(new AuditQuery { Limit = 1 }, CancellationToken.None));
    }
}
