namespace Fanout.Security;

/// <summary>Stored API tokens (SPEC A5), kept in the run store. Implementations are thread-safe.</summary>
public interface ITokenStore
{
    /// <summary>Adds a token.</summary>
    /// <returns>False when a token with that name or prefix exists (revoked ones included).</returns>
    Task<bool> AddTokenAsync(ApiTokenRecord token, CancellationToken cancellationToken);

    /// <summary>Reads the token with lookup prefix <paramref name="prefix"/>, or <see langword="null"/>.</summary>
    Task<ApiTokenRecord?> FindTokenByPrefixAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Reads every token (revoked ones included), by name.</summary>
    Task<IReadOnlyList<ApiTokenRecord>> GetTokensAsync(CancellationToken cancellationToken);

    /// <summary>Revokes the token named <paramref name="name"/>.</summary>
    /// <returns>False when no valid token has that name.</returns>
    Task<bool> RevokeTokenAsync(string name, DateTimeOffset revokedAt, CancellationToken cancellationToken);

    /// <summary>Records that the token named <paramref name="name"/> was used at <paramref name="usedAt"/>.</summary>
    Task TouchTokenAsync(string name, DateTimeOffset usedAt, CancellationToken cancellationToken);
}
