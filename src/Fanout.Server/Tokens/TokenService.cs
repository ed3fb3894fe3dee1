using System.Text.RegularExpressions;
using Fanout.Security;

namespace Fanout.Server.Tokens;

/// <summary>Creates, lists and revokes API tokens (SPEC A5) for <c>fanout token</c> and <c>/api/tokens</c>, writing the audit log.</summary>
public static partial class TokenService
{
    /// <summary>Creates a token and returns it (the only time it is visible), or an error message (bad name, bad role, name taken, expiry not in the future).</summary>
    /// <param name="expiresAt">When the token stops being accepted; <see langword="null"/> for a token that does not expire.</param>
    public static async Task<(string? Token, ApiTokenRecord? Record, string? Error)> CreateAsync(ITokenStore tokens, IAuditStore audit, string name, string role, string actor,
        TimeProvider time, CancellationToken cancellationToken, DateTimeOffset? expiresAt = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(time);
        if (!NamePattern().IsMatch(name ?? string.Empty))
        {
            return (null, null, $"token name '{name}' must be 1–100 letters, digits, '.', '_', '@', ':' or '-'");
        }

        if (ApiRoleExtensions.TryParseWireName(role) is not { } parsed)
        {
            return (null, null, $"unknown role '{role}': expected viewer, operator or admin");
        }

        DateTimeOffset now = time.GetUtcNow();
        if (expiresAt is { } expires && expires <= now)
        {
            return (null, null, $"the expiry {expires.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is not in the future");
        }

        (string token, string prefix, string hash) = ApiTokens.Generate();
        var record = new ApiTokenRecord { Name = name!, Role = parsed, Prefix = prefix, Hash = hash, CreatedAt = now, ExpiresAt = expiresAt };
        if (!await tokens.AddTokenAsync(record, cancellationToken).ConfigureAwait(false))
        {
            return (null, null, $"a token named '{name}' exists (revoked tokens keep their name)");
        }

        await audit.AppendAuditAsync([new AuditEntry { Timestamp = record.CreatedAt, Actor = actor, Action = "token.create", Detail = $"{name} ({parsed.ToWireName()}{(expiresAt is { } e ? $", expires {e.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}" : string.Empty)})" }], cancellationToken).ConfigureAwait(false);
        return (token, record, null);
    }

    /// <summary>Revokes the token named <paramref name="name"/>; false when no valid token has that name.</summary>
    public static async Task<bool> RevokeAsync(ITokenStore tokens, IAuditStore audit, string name, string actor, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(time);
        DateTimeOffset now = time.GetUtcNow();
        if (!await tokens.RevokeTokenAsync(name, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await audit.AppendAuditAsync([new AuditEntry { Timestamp = now, Actor = actor, Action = "token.revoke", Detail = name }], cancellationToken).ConfigureAwait(false);
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9._@:-]{1,100}$")]
    private static partial Regex NamePattern();
}
