using System.Globalization;
using System.Net;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Observability;
using Fanout.Server.Ui;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace Fanout.Server.Auth;

/// <summary>
/// Bearer-token authentication and role checks for every endpoint (SPEC A5): 401 without a valid token, 403 when the
/// token's role is too low, 429 after too many failures from one IP. Endpoints marked <see cref="AllowAnonymousAttribute"/>
/// (only <c>/healthz</c>) are open; endpoints without a <see cref="RequiresRoleAttribute"/> need admin, so a new endpoint
/// is closed by default. The web UI's session cookie (<see cref="UiSession"/>) carries a token too: it is checked the same
/// way, and a state-changing request made with it must also carry the page's antiforgery token. A web UI page
/// (<see cref="UiPageAttribute"/>) without a valid session redirects to the sign-in page instead of answering 401.
/// </summary>
internal sealed partial class AuthMiddleware(RequestDelegate next, ITokenStore tokens, FailedAuthLimiter limiter, AuditLog audit, ServerMetrics metrics,
    UiSession sessions, IAntiforgery antiforgery, ILogger<AuthMiddleware> logger)
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
        DateTimeOffset sessionExpires = default;
        bool fromSession = token is null && context.Request.Headers.Authorization.Count == 0
            && (token = sessions.TokenOf(context.Request, out sessionExpires)) is not null;
        ApiTokenRecord? record = token is null ? null : await FindAsync(token, context.RequestAborted);
        bool page = endpoint.Metadata.GetMetadata<UiPageAttribute>() is not null;
        if (record is null && page)
        {
            // A browser without a (valid) session: to the sign-in page, back here afterwards.
            if (fromSession)
            {
                UiSession.End(context);
            }

            context.Response.Redirect(UiEndpoints.SignInPath + "?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            return;
        }

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

        if (fromSession)
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && !await antiforgery.IsRequestValidAsync(context))
            {
                await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "Antiforgery token missing or invalid",
                    "a request made with the web UI's session must carry the page's antiforgery token (header RequestVerificationToken); reload the page");
                return;
            }

            sessions.Slide(context, token!, sessionExpires);
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

    private Task<ApiTokenRecord?> FindAsync(string token, CancellationToken cancellationToken) => FindAsync(tokens, token, cancellationToken);

    /// <summary>The valid (known, unrevoked) token record for <paramref name="token"/>: one check for bearer tokens, sessions and sign-in.</summary>
    public static async Task<ApiTokenRecord?> FindAsync(ITokenStore tokens, string token, CancellationToken cancellationToken)
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
