using System.Net;
using System.Reflection;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Observability;
using Fanout.Server.Ui.Components;
using Fanout.Server.Ui.Components.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fanout.Server.Ui;

/// <summary>
/// The web UI (SPEC U, docs/ui.md) inside <c>fanout serve</c>: Razor components rendered on the server (static SSR) at
/// <c>/</c>, the sign-in and sign-out form posts, and the UI's stylesheet and script. Live parts of a page are driven by
/// the script over the same JSON API and SSE streams every other client uses: the UI has no capability the API lacks.
/// </summary>
internal static class UiEndpoints
{
    public const string SignInPath = "/signin";

    public static void AddUi(IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "fanout_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton<UiSession>();
    }

    public static void Map(WebApplication app)
    {
        app.MapRazorComponents<App>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer), new UiPageAttribute()).ExcludeFromDescription();
        app.MapPost("/session", SignInAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/signout", SignOutAsync).WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer)).ExcludeFromDescription();
        app.MapGet("/ui/assets/{name}", Asset).AllowAnonymous().ExcludeFromDescription();
        // The parameter form of a workflow as an HTML fragment: the new-execution dialog loads it when a workflow is chosen.
        app.MapGet("/ui/workflows/{file}/parameters", ParameterFormFragment).WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer)).ExcludeFromDescription();
    }

    private static IResult ParameterFormFragment(string file, ServerOptions options)
    {
        if (Fanout.Server.Workflows.WorkflowEndpoints.Find(options, file) is not { } path)
        {
            return Results.NotFound();
        }

        var parameters = Fanout.Server.Workflows.WorkflowParameterDocument.Of(Fanout.Workflows.Validation.WorkflowValidator.ValidateFile(path).Workflow);
        return new RazorComponentResult<Components.Forms.ParameterForm>(new { Parameters = parameters, IdPrefix = "nx-" });
    }

    private static async Task<IResult> SignInAsync(HttpContext http, [FromForm(Name = "token")] string? token, [FromForm(Name = "returnUrl")] string? returnUrl,
        ITokenStore tokens, FailedAuthLimiter limiter, UiSession sessions, AuditLog audit, ServerMetrics metrics)
    {
        IPAddress ip = http.Connection.RemoteIpAddress ?? IPAddress.None;
        ApiTokenRecord? record = string.IsNullOrWhiteSpace(token) ? null : await AuthMiddleware.FindAsync(tokens, token.Trim(), http.RequestAborted);
        if (record is null)
        {
            // As for API requests: only failing sign-ins are throttled, per address and per presented credential; a valid token never is.
            string address = FailedAuthLimiter.AddressKey(ip);
            string? credential = string.IsNullOrWhiteSpace(token) ? null : FailedAuthLimiter.CredentialKey(token.Trim());
            if (limiter.IsBlocked(address, out _) || (credential is not null && limiter.IsBlocked(credential, out _)))
            {
                return Page("Too many failed sign-ins from this address; wait a minute and try again.", returnUrl, StatusCodes.Status429TooManyRequests);
            }

            limiter.RecordFailure(address);
            if (credential is not null)
            {
                limiter.RecordFailure(credential);
            }

            metrics.AuthFailed();
            return string.IsNullOrWhiteSpace(token)
                ? Page("Enter an API token.", returnUrl, StatusCodes.Status400BadRequest)
                : Page("This token is unknown, revoked or expired.", returnUrl, StatusCodes.Status401Unauthorized);
        }

        sessions.Issue(http, token!.Trim());
        await audit.WriteAsync(record.Name, "session.start", detail: "web UI sign-in", cancellationToken: http.RequestAborted);
        return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, AuditLog audit)
    {
        UiSession.End(http);
        await audit.WriteAsync(Caller.Of(http).Name, "session.end", detail: "web UI sign-out", cancellationToken: http.RequestAborted);
        return Results.Redirect(SignInPath);
    }

    private static RazorComponentResult<SignIn> Page(string error, string? returnUrl, int status) =>
        new(new { Error = error, ReturnUrl = returnUrl }) { StatusCode = status };

    /// <summary>Only a path on this server: never redirect a sign-in elsewhere (open redirect).</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    /// <summary>
    /// The UI's stylesheet and script, from the assembly. Pages link them as <c>/ui/assets/NAME?v=VERSION</c> (<see cref="AssetUrl"/>,
    /// the content's hash): such a response may be cached for a year and never revalidated, so a page load after the first
    /// one fetches nothing but the page; any other request gets the current content with its ETag.
    /// </summary>
    private static IResult Asset(string name, string? v, HttpContext http)
    {
        if (UiAsset.Find(name) is not { } asset)
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = v == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        http.Response.Headers.ETag = $"\"{asset.Version}\"";
        if (http.Request.Headers.IfNoneMatch.ToString() == $"\"{asset.Version}\"")
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>The URL of an asset with its version (see <see cref="Asset"/>).</summary>
    public static string AssetUrl(string name) => $"/ui/assets/{name}?v={UiAsset.Find(name)?.Version}";
}

/// <summary>An embedded UI asset with its content type and version (the first 16 hex digits of its SHA-256).</summary>
internal sealed record UiAsset(byte[] Content, string ContentType, string Version)
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, UiAsset?> Cache = new(StringComparer.Ordinal);

    public static UiAsset? Find(string name) => Cache.GetOrAdd(name, static n =>
    {
        string? type = Path.GetExtension(n) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        using Stream? stream = type is null ? null : typeof(UiEndpoints).Assembly.GetManifestResourceStream("Fanout.Ui." + n);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        byte[] content = copy.ToArray();
        return new UiAsset(content, type!, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16]);
    });
}

/// <summary>Endpoint metadata of web UI pages: without a session they redirect to the sign-in page.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class UiPageAttribute : Attribute;
