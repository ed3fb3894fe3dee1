using System.Text.Json.Serialization;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;

namespace Fanout.Server.Tokens;

/// <summary>Token management over HTTP (admin only): list, create (the token is in the response once), revoke.</summary>
internal static class TokenEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/tokens").WithTags("Tokens");
        var admin = new RequiresRoleAttribute(ApiRole.Admin);
        group.MapGet("/", ListAsync).WithName("ListTokens").Produces<TokenList>().WithMetadata(admin);
        group.MapPost("/", CreateAsync).WithName("CreateToken").Accepts<TokenRequest>("application/json")
            .Produces<TokenCreated>(201).ProducesValidationProblem().ProducesProblem(409).WithMetadata(admin);
        group.MapDelete("/{name}", RevokeAsync).WithName("RevokeToken").Produces(204).ProducesProblem(404).WithMetadata(admin);
    }

    private static async Task<IResult> ListAsync(ITokenStore tokens, CancellationToken cancellationToken) =>
        Results.Ok(new TokenList([.. (await tokens.GetTokensAsync(cancellationToken)).Select(ToDocument)]));

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

        (string? token, ApiTokenRecord? record, string? error) = await TokenService.CreateAsync(tokens, audit, body.Name, body.Role!, Caller.Of(http).Name, time, cancellationToken);
        if (error is not null)
        {
            return error.Contains("exists", StringComparison.Ordinal) ? Problems.Conflict(error) : Problems.Validation("name", error);
        }

        return Results.Created($"/api/tokens/{record!.Name}", new TokenCreated(ToDocument(record), token!));
    }

    private static async Task<IResult> RevokeAsync(string name, HttpContext http, ITokenStore tokens, IAuditStore audit, TimeProvider time, CancellationToken cancellationToken) =>
        await TokenService.RevokeAsync(tokens, audit, name, Caller.Of(http).Name, time, cancellationToken)
            ? Results.NoContent()
            : Problems.NotFound($"no valid token named '{name}'");

    private static TokenDocument ToDocument(ApiTokenRecord t) => new(t.Name, t.Role.ToWireName(), t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>Body of <c>POST /api/tokens</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record TokenRequest(string? Name, string? Role);

/// <summary>A token without its secret.</summary>
internal sealed record TokenDocument(string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Every token.</summary>
internal sealed record TokenList(IReadOnlyList<TokenDocument> Tokens);

/// <summary>A new token: shown once.</summary>
internal sealed record TokenCreated(TokenDocument Token, string Secret);
