using System.Globalization;
using System.Net;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Observability;
using Microsoft.AspNetCore.Authorization;

namespace Fanout.Server.Auth;

/// <summary>
/// Bearer-token authentication and role checks for every endpoint (SPEC A5): 401 without a valid token, 403 when the
/// token's role is too low, 429 after too many failures from one IP. Endpoints marked <see cref="AllowAnonymousAttribute"/>
/// (only <c>/healthz</c>) are open; endpoints without a <see cref="RequiresRoleAttribute"/> need admin, so a new endpoint
/// is closed by default.
/// </summary>
internal sealed partial class AuthMiddleware(RequestDelegate next, ITokenStore tokens, FailedAuthLimiter limiter, AuditLog audit, ServerMetrics metrics, ILogger<AuthMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Endpoint? endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        // Routing's own rejection endpoints (405, 415) are not route endpoints: any valid token may see their answer.
        ApiRole required = endpoint.Metadata.GetMetadata<RequiresRoleAttribute>()?.Role ?? (endpoint is RouteEndpoint ? ApiRole.Admin : ApiRole.Viewer);
        IPAddress ip = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (limiter.IsBlocked(ip, out TimeSpan retryAfter))
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                "too many failed authentication attempts from this address; wait and retry");
            return;
        }

        string? token = BearerToken(context.Request);
        ApiTokenRecord? record = token is null ? null : await FindAsync(token, context.RequestAborted);
        if (record is null)
        {
            limiter.RecordFailure(ip);
            metrics.AuthFailed();
            Log.Rejected(logger, ip.ToString(), context.Request.Path);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
                token is null ? "a bearer token is required (Authorization: Bearer TOKEN)" : "the bearer token is unknown or revoked");
            return;
        }

        var caller = new Caller(record.Name, record.Role);
        caller.AttachTo(context);
        audit.TokenUsed(record.Name, context.Request.Method + " " + context.Request.Path);
        if (!record.Role.Includes(required))
        {
            await WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
                $"token '{record.Name}' has role {record.Role.ToWireName()}; this endpoint needs {required.ToWireName()}");
            return;
        }

        await next(context);
    }

    private async Task<ApiTokenRecord?> FindAsync(string token, CancellationToken cancellationToken)
    {
        if (ApiTokens.PrefixOf(token) is not { } prefix)
        {
            return null;
        }

        ApiTokenRecord? record = await tokens.FindTokenByPrefixAsync(prefix, cancellationToken);
        return record is { RevokedAt: null } && ApiTokens.Matches(token, record.Hash) ? record : null;
    }

    private static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected a request from {Address} to {Path}: no valid bearer token")]
        public static partial void Rejected(ILogger logger, string address, string path);
    }
}
