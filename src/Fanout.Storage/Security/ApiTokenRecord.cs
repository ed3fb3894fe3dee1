namespace Fanout.Security;

/// <summary>
/// A stored API token (SPEC A5). The secret itself is never stored: only a short lookup
/// <see cref="Prefix"/> (public, part of the token) and the SHA-256 <see cref="Hash"/> of the whole token.
/// </summary>
public sealed record ApiTokenRecord
{
    /// <summary>The unique token name; recorded as the actor of what the token does.</summary>
    public required string Name { get; init; }

    /// <summary>What the token may do.</summary>
    public required ApiRole Role { get; init; }

    /// <summary>The token's lookup prefix (unique), e.g. <c>fo_1a2b3c4d</c>.</summary>
    public required string Prefix { get; init; }

    /// <summary>The SHA-256 of the whole token, lower-case hex.</summary>
    public required string Hash { get; init; }

    /// <summary>When the token was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the token was last used, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>When the token was revoked, or <see langword="null"/> while it is valid.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When the token stops being accepted, or <see langword="null"/> for a token that does not expire.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whether the token is accepted at <paramref name="now"/>: neither revoked nor expired.</summary>
    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is not { } expires || now < expires);

    /// <summary><c>revoked</c>, <c>expired</c> or <c>active</c> at <paramref name="now"/> (how lists show the token).</summary>
    public string StatusAt(DateTimeOffset now) => RevokedAt is not null ? "revoked" : IsActiveAt(now) ? "active" : "expired";
}
