using Microsoft.Extensions.Primitives;

namespace Fanout.Server.Http;

/// <summary>
/// Runs first for every request: answers CORS preflights (without authentication, never counted as a failed login), adds the
/// CORS headers for allowed origins (<see cref="ServerOptions.AllowedOrigins"/>; the server's own origin always), and the
/// headers every answer carries: <c>X-Content-Type-Options: nosniff</c>, a <c>Content-Security-Policy</c> (the configured
/// one for HTML, <c>default-src 'none'</c> otherwise), <c>Referrer-Policy: no-referrer</c> and <c>Cache-Control: no-store</c>
/// for API answers that do not set their own.
/// </summary>
internal sealed class BrowserSafety(RequestDelegate next, ServerOptions options)
{
    private const string AllowedMethods = "GET, POST, DELETE";
    private const string AllowedHeaders = "Authorization, Content-Type, Last-Event-ID";
    private const string ExposedHeaders = "Location, Retry-After, WWW-Authenticate, Content-Disposition";
    private readonly HashSet<string> _origins = new(options.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.OnStarting(() =>
        {
            IHeaderDictionary headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            bool html = response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ?? false;
            headers.ContentSecurityPolicy = html ? options.HtmlContentSecurityPolicy : "default-src 'none'; frame-ancestors 'none'";
            if (html)
            {
                headers.XFrameOptions = "DENY";
            }

            if (StringValues.IsNullOrEmpty(headers.CacheControl) && context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        });

        string? origin = context.Request.Headers.Origin;
        bool crossOrigin = origin is not null && !IsSameOrigin(context.Request, origin);
        bool allowed = crossOrigin && _origins.Contains(origin!);
        if (HttpMethods.IsOptions(context.Request.Method) && origin is not null && context.Request.Headers.ContainsKey("Access-Control-Request-Method"))
        {
            // A preflight carries no credentials by design: answer it here, before authentication, and never count it.
            if (crossOrigin && !allowed)
            {
                await Problems.Forbidden($"origin '{origin}' may not call this API (it is not in the server's allowed origins)").ExecuteAsync(context);
                return;
            }

            response.StatusCode = StatusCodes.Status204NoContent;
            response.Headers.AccessControlAllowOrigin = origin;
            response.Headers.AccessControlAllowMethods = AllowedMethods;
            response.Headers.AccessControlAllowHeaders = AllowedHeaders;
            response.Headers.AccessControlMaxAge = "600";
            response.Headers.Vary = "Origin";
            return;
        }

        if (allowed)
        {
            response.Headers.AccessControlAllowOrigin = origin;
            response.Headers.AccessControlExposeHeaders = ExposedHeaders;
            response.Headers.Vary = "Origin";
        }

        await next(context);
    }

    private static bool IsSameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin.TrimEnd('/'), $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
}
