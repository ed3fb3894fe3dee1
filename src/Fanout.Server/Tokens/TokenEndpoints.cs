using System.Text.Json.Serialization;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;

namespace Fanout.Server.Tokens;

/// <summary>Token management over HTTP (admin only): list, create (the token is in the response once), revoke.</summary>
internal static class TokenEndpoints
{
    /// <summary>The longest lifetime <c>expiresIn</c> may give (ten years).</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3650);

    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/tokens").WithTags("Tokens");
        var admin = new RequiresRoleAttribute(ApiRole.Admin);
        group.MapGet("/", ListAsync).WithName("ListTokens").Produces<TokenList>().WithMetadata(admin);
        group.MapGet("/{name}", GetAsync).WithName("GetToken").Produces<TokenDocument>().ProducesProblem(404).WithMetadata(admin);
        group.MapPost("/", CreateAsync).WithName("CreateToken").AcceptsJson<TokenRequest>()
            .Produces<TokenCreated>(201).ProducesValidationProblem().ProducesProblem(409).WithMetadata(admin);
        group.MapDelete("/{name}", RevokeAsync).WithName("RevokeToken").Produces(204).ProducesProblem(404).WithMetadata(admin);
    }

    private static async Task<IResult> ListAsync(ITokenStore tokens, TimeProvider time, CancellationToken cancellationToken) =>
        Results.Ok(new TokenList([.. (await tokens.GetTokensAsync(cancellationToken)).Select(t => ToDocument(t, time.GetUtcNow()))]));

    private static async Task<IResult> GetAsync(string name, ITokenStore tokens, TimeProvider time, CancellationToken cancellationToken) =>
        (await tokens.GetTokensAsync(cancellationToken)).FirstOrDefault(t => t.Name == name) is { } token
            ? Results.Ok(ToDocument(token, time.GetUtcNow()))
            : Problems.NotFound($"no token named '{name}'");

    private static async Task<IResult> CreateAsync(HttpContext http, ITokenStore tokens, IAuditStore audit, TimeProvider time, CancellationToken cancellationToken)
    {
        (TokenRequest? body, IResult? problem) = await JsonBody.ReadAsync<TokenRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.Name))
        {
            return Problems.Validation("name", "name is required");
        }

        if (ApiRoleExtensions.TryParseWireName(body.Role) is null)
        {
            return Problems.Validation("role", $"unknown role '{body.Role}': expected viewer, operator or admin");
        }

        DateTimeOffset? expiresAt = body.ExpiresAt;
        if (body.ExpiresIn is not null)
        {
            if (expiresAt is not null)
            {
                return Problems.Validation("expiresIn", "give expiresAt or expiresIn, not both");
            }

            if (!Duration.TryParse(body.ExpiresIn, out TimeSpan lifetime) || lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
            {
                return Problems.Validation("expiresIn", $"'{body.ExpiresIn}' is not a positive duration of at most {MaxLifetime.TotalDays:0} days (e.g. 30d, 12h)");
            }

            expiresAt = time.GetUtcNow() + lifetime;
        }

        if (expiresAt is { } at && at <= time.GetUtcNow())
        {
            return Problems.Validation("expiresAt", $"expiresAt {at:O} is not in the future");
        }

        (string? token, ApiTokenRecord? record, string? error) = await TokenService.CreateAsync(tokens, audit, body.Name, body.Role!, Caller.Of(http).Name, time, cancellationToken, expiresAt);
        if (error is not null)
        {
            return error.Contains("exists", StringComparison.Ordinal) ? Problems.Conflict(error) : Problems.Validation("name", error);
        }

        // The answer carries the secret: never stored by a cache (every /api answer is no-store; said here as well).
        http.Response.Headers.CacheControl = "no-store";
        return Results.Created($"/api/tokens/{Uri.EscapeDataString(record!.Name)}", new TokenCreated(ToDocument(record, time.GetUtcNow()), token!));
    }

    private static async Task<IResult> RevokeAsync(string name, HttpContext http, ITokenStore tokens, IAuditStore audit, TimeProvider time, CancellationToken cancellationToken) =>
        await TokenService.RevokeAsync(tokens, audit, name, Caller.Of(http).Name, time, cancellationToken)
            ? Results.NoContent()
            : Problems.NotFound($"no valid token named '{name}'");

    private static TokenDocument ToDocument(ApiTokenRecord t, DateTimeOffset now) =>
        new(t.Name, t.Role.ToWireName(), t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt, t.ExpiresAt, t.StatusAt(now));
}

/// <summary>Body of <c>POST /api/tokens</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TokenRequest(string? Name, string? Role, DateTimeOffset? ExpiresAt = null, string? ExpiresIn = null);

/// <summary>A token without its secret; <c>status</c> is <c>active</c>, <c>expired</c> or <c>revoked</c>.</summary>
internal sealed record TokenDocument(string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? ExpiresAt, string Status);

/// <summary>Every token.</summary>
internal sealed record TokenList(IReadOnlyList<TokenDocument> Tokens);

/// <summary>A new token: shown once.</summary>
internal sealed record TokenCreated(TokenDocument Token, string Secret);
