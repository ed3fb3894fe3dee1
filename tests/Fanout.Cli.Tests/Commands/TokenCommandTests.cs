using Fanout.Runs;
using Fanout.Security;
using Fanout.Storage;

namespace Fanout.Cli.Tests.Commands;

/// <summary>SPEC A5: <c>fanout token</c> prints the token once, alone on the last line, and stores only its hash; <c>fanout audit</c> shows the entries.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 30000)]
    public async Task TokenCreate_PrintsTokenAloneOnLastLine_StoresOnlyItsHash()
    {
        string store = Path.Combine(_cli.Directory, "fanout.db");

        (int exit, string stdout, _) = await _cli.RunAsync("token", "create", "--name", "ci", "--role", "operator", "--store", store);
        (int listExit, string list, _) = await _cli.RunAsync("token", "list", "--store", store);
        (int dupExit, _, string dupErr) = await _cli.RunAsync("token", "create", "--name", "ci", "--role", "viewer", "--store", store);
        (int badRoleExit, _, _) = await _cli.RunAsync("token", "create", "--name", "x", "--role", "root", "--store", store);
        (int revokeExit, _, _) = await _cli.RunAsync("token", "revoke", "ci", "--store", store);
        (int auditExit, string audit, _) = await _cli.RunAsync("audit", "--store", store);

        string token = stdout.TrimEnd('\n').Split('\n')[^1];
        Assert.Equal(0, exit);
        Assert.Matches("^fo_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$", token);
        await using (IFanoutStore opened = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            ApiTokenRecord record = Assert.Single(await opened.Tokens.GetTokensAsync(CancellationToken.None));
            Assert.Equal(ApiRole.Operator, record.Role);
            Assert.True(ApiTokens.Matches(token, record.Hash));
            Assert.NotNull(record.RevokedAt);
        }

        Assert.Equal(0, listExit);
        Assert.Contains("ci ", list, StringComparison.Ordinal);
        Assert.DoesNotContain(token, list, StringComparison.Ordinal);
        Assert.Equal(2, dupExit);
        Assert.Contains("exists", dupErr, StringComparison.Ordinal);
        Assert.Equal(2, badRoleExit);
        Assert.Equal(0, revokeExit);
        Assert.Equal(0, auditExit);
        Assert.Contains("token.create ci (operator)", audit, StringComparison.Ordinal);
        Assert.Contains("token.revoke ci", audit, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task TokenCreate_WithExpires_StoresTheExpiryAndListShowsIt_BadDurationIsExit2()
    {
        string store = Path.Combine(_cli.Directory, "fanout.db");

        (int exit, string stdout, _) = await _cli.RunAsync("token", "create", "--name", "temp", "--role", "viewer", "--expires", "30d", "--store", store);
        (int listExit, string list, _) = await _cli.RunAsync("token", "list", "--store", store);
        (int badExit, _, string badErr) = await _cli.RunAsync("token", "create", "--name", "bad", "--role", "viewer", "--expires", "soon", "--store", store);

        Assert.Equal(0, exit);
        Assert.Contains("expiring", stdout, StringComparison.Ordinal);
        await using (IFanoutStore opened = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            ApiTokenRecord record = Assert.Single(await opened.Tokens.GetTokensAsync(CancellationToken.None));
            Assert.NotNull(record.ExpiresAt);
            Assert.InRange(record.ExpiresAt!.Value - record.CreatedAt, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
            Assert.Equal("active", record.StatusAt(DateTimeOffset.UtcNow));
            Assert.Equal("expired", record.StatusAt(DateTimeOffset.UtcNow.AddDays(31)));
        }

        Assert.Equal(0, listExit);
        Assert.Contains("valid until", list, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("--expires 'soon'", badErr, StringComparison.Ordinal);
    }
}
