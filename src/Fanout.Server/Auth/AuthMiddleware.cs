using System.Globalization;
using System.Net;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Http;
using Fanout.Server.Observability;
using Fanout.Server.Ui;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace Fanout.Server.Auth;

/// <summary>
/// Bearer-token authentication and role checks for every endpoint (SPEC A5): 401 without a valid (known, unrevoked, unexpired)
/// token, 403 when the token's role is too low, both audited. A request with a valid token is never throttled. A failing
/// request is throttled (429 with <c>Retry-After</c>) when its credential, or its client address, failed too often in the
/// last minute. Endpoints marked <see cref="AllowAnonymousAttribute"/> (only <c>/healthz</c>) are open; endpoints without a
/// <see cref="RequiresRoleAttribute"/> need admin, so a new endpoint is closed by default. CORS preflights never get here
/// (<see cref="BrowserSafety"/> answers them). The web UI's session cookie (<see cref="UiSession"/>) carries a token too: it
/// is checked the same way, and a state-changing request made with it must also carry the page's antiforgery token. A web UI
/// page (<see cref="UiPageAttribute"/>) without a valid session redirects to the sign-in page instead of answering 401.
/// </summary>
internal sealed partial class AuthMiddleware(RequestDelegate next, ITokenStore tokens, FailedAuthLimiter limiter, AuditLog audit, ServerMetrics metrics,
    UiSession sessions, IAntiforgery antiforgery, TimeProvider time, ILogger<AuthMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Endpoint? endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        // Routing's own rejection endpoints (405) are not route endpoints: any valid token may see their answer. When several
        // roles are given (every web UI page needs a viewer, the Tokens page an admin: [RequiresRole] on the component), the highest counts.
        IReadOnlyList<RequiresRoleAttribute> roles = endpoint.Metadata.GetOrderedMetadata<RequiresRoleAttribute>();
        ApiRole required = roles.Count > 0 ? roles.Max(r => r.Role) : endpoint is RouteEndpoint ? ApiRole.Admin : ApiRole.Viewer;
        string? token = BearerToken(context.Request);
        DateTimeOffset sessionExpires = default;
        bool fromSession = token is null && context.Request.Headers.Authorization.Count == 0
            && (token = sessions.TokenOf(context.Request, out sessionExpires)) is not null;
        (ApiTokenRecord? record, string reason) = token is null
            ? (null, "a bearer token is required (Authorization: Bearer TOKEN)")
            : await CheckAsync(tokens, token, time.GetUtcNow(), context.RequestAborted);
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
            await RefuseAsync(context, token, reason);
            return;
        }

        if (fromSession)
        {
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && !await antiforgery.IsRequestValidAsync(context))
            {
                await Problems.Status(StatusCodes.Status400BadRequest, "Antiforgery token missing or invalid",
                    "a request made with the web UI's session must carry the page's antiforgery token (header RequestVerificationToken); reload the page").ExecuteAsync(context);
                return;
            }

            sessions.Slide(context, token!, sessionExpires);
        }

        var caller = new Caller(record.Name, record.Role) { TokenPrefix = record.Prefix };
        caller.AttachTo(context);
        audit.TokenUsed(record.Name, context.Request.Method + " " + context.Request.Path);
        if (!record.Role.Includes(required))
        {
            string why = $"token '{record.Name}' has role {record.Role.ToWireName()}; this endpoint needs {required.ToWireName()}";
            audit.Refused(context, StatusCodes.Status403Forbidden, why);
            await Problems.Forbidden(why).ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>The valid (known, unrevoked, unexpired) token record for <paramref name="token"/>: one check for bearer tokens, sessions and sign-in.</summary>
    public static async Task<ApiTokenRecord?> FindAsync(ITokenStore tokens, string token, CancellationToken cancellationToken) =>
        (await CheckAsync(tokens, token, DateTimeOffset.UtcNow, cancellationToken)).Record;

    /// <summary>Whether the token with lookup prefix <paramref name="prefix"/> is still accepted (not revoked, not expired).</summary>
    public static async Task<bool> IsStillValidAsync(ITokenStore tokens, string prefix, DateTimeOffset now, CancellationToken cancellationToken) =>
        await tokens.FindTokenByPrefixAsync(prefix, cancellationToken) is { } record && record.IsActiveAt(now);

    /// <summary>The token's record when it is accepted at <paramref name="now"/>, else why not.</summary>
    private static async Task<(ApiTokenRecord? Record, string Reason)> CheckAsync(ITokenStore tokens, string token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ApiTokens.PrefixOf(token) is not { } prefix)
        {
            return (null, "the bearer token is not a Fanout token");
        }

        ApiTokenRecord? record = await tokens.FindTokenByPrefixAsync(prefix, cancellationToken);
        if (record is null || !ApiTokens.Matches(token, record.Hash))
        {
            return (null, "the bearer token is unknown");
        }

        return record.IsActiveAt(now) ? (record, string.Empty)
            : (null, record.RevokedAt is not null ? "the bearer token was revoked" : $"the bearer token expired at {record.ExpiresAt:O}");
    }

    private async Task RefuseAsync(HttpContext context, string? token, string reason)
    {
        IPAddress ip = context.Connection.RemoteIpAddress ?? IPAddress.None;
        string address = FailedAuthLimiter.AddressKey(ip);
        string? credential = token is null ? null : FailedAuthLimiter.CredentialKey(token);
        metrics.AuthFailed();
        if ((credential is not null && limiter.IsBlocked(credential, out TimeSpan retryAfter)) || limiter.IsBlocked(address, out retryAfter))
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            audit.Refused(context, StatusCodes.Status401Unauthorized, "throttled after too many failed authentications: " + reason);
            await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many failed authentications",
                "too many failed authentication attempts with this credential or from this address; wait and retry").ExecuteAsync(context);
            return;
        }

        limiter.RecordFailure(address);
        if (credential is not null)
        {
            limiter.RecordFailure(credential);
        }

        Log.Rejected(logger, ip.ToString(), context.Request.Path, reason);
        audit.Refused(context, StatusCodes.Status401Unauthorized, reason);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", reason).ExecuteAsync(context);
    }

    private static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected a request from {Address} to {Path}: {Reason}")]
        public static partial void Rejected(ILogger logger, string address, string path, string reason);
    }
}
