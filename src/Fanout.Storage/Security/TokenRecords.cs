using System.Data.Common;
using System.Globalization;
using System.Text;
using Fanout.Security;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>API tokens (SPEC A5), in the same database as the runs: only hashes are stored.</summary>
internal sealed class TokenRecords(StoreDatabase database) : StoreTable(database), ITokenStore
{
    private const string TokenColumns = "name, role, prefix, hash, created_at, last_used_at, revoked_at, expires_at";

    /// <inheritdoc/>
    public Task<bool> AddTokenAsync(ApiTokenRecord token, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
    {
        ArgumentNullException.ThrowIfNull(token);
        await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (DbCommand exists = Command(connection, tx, "SELECT COUNT(*) FROM api_tokens WHERE name = @name OR prefix = @prefix"))
        {
            Param(exists, "name", token.Name);
            Param(exists, "prefix", token.Prefix);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
            {
                return false;
            }
        }

        await ExecAsync(connection, tx, $"INSERT INTO api_tokens ({TokenColumns}) VALUES (@name, @role, @prefix, @hash, @created, @used, @revoked, @expires)",
            cancellationToken, ("name", token.Name), ("role", token.Role.ToWireName()), ("prefix", token.Prefix), ("hash", token.Hash),
            ("created", ToDb(token.CreatedAt)), ("used", ToDbOrNull(token.LastUsedAt)), ("revoked", ToDbOrNull(token.RevokedAt)), ("expires", ToDbOrNull(token.ExpiresAt))).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <inheritdoc/>
    public async Task<ApiTokenRecord?> FindTokenByPrefixAsync(string prefix, CancellationToken cancellationToken) =>
        (await ReadTokensAsync("WHERE prefix = @prefix", ("prefix", prefix), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApiTokenRecord>> GetTokensAsync(CancellationToken cancellationToken) =>
        ReadTokensAsync(string.Empty, null, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> RevokeTokenAsync(string name, DateTimeOffset revokedAt, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
        await ExecAsync(connection, null, "UPDATE api_tokens SET revoked_at = @at WHERE name = @name AND revoked_at IS NULL",
            cancellationToken, ("at", ToDb(revokedAt)), ("name", name)).ConfigureAwait(false) == 1, cancellationToken);

    /// <inheritdoc/>
    public Task TouchTokenAsync(string name, DateTimeOffset usedAt, CancellationToken cancellationToken) => WithConnectionAsync(connection =>
        ExecAsync(connection, null, "UPDATE api_tokens SET last_used_at = @at WHERE name = @name", cancellationToken, ("at", ToDb(usedAt)), ("name", name)),
        cancellationToken);

    private Task<IReadOnlyList<ApiTokenRecord>> ReadTokensAsync(string where, (string Name, object? Value)? parameter, CancellationToken cancellationToken) =>
        WithConnectionAsync<IReadOnlyList<ApiTokenRecord>>(async connection =>
        {
            await using DbCommand command = Command(connection, null, $"SELECT {TokenColumns} FROM api_tokens {where} ORDER BY name");
            if (parameter is { } p)
            {
                Param(command, p.Name, p.Value);
            }

            var list = new List<ApiTokenRecord>();
            await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new ApiTokenRecord
                {
                    Name = r.GetString(0),
                    Role = ApiRoleExtensions.TryParseWireName(r.GetString(1)) ?? throw new StoreException($"token '{r.GetString(0)}' has an unknown role '{r.GetString(1)}'"),
                    Prefix = r.GetString(2),
                    Hash = r.GetString(3),
                    CreatedAt = ReadTime(r, 4),
                    LastUsedAt = ReadTimeOrNull(r, 5),
                    RevokedAt = ReadTimeOrNull(r, 6),
                    ExpiresAt = ReadTimeOrNull(r, 7),
                });
            }

            return list;
        }, cancellationToken);
}
