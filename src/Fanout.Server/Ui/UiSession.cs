using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace Fanout.Server.Ui;

/// <summary>
/// The web UI's cookie session (SPEC A5 "browser sessions log in with a token"): the cookie carries the API token the
/// person signed in with, encrypted and signed by ASP.NET Data Protection, with a sliding expiry. Every request
/// re-checks that token exactly like a bearer token (<see cref="Auth.AuthMiddleware"/>), so a revoked or expired token ends
/// its sessions at once and a session never has more rights than its token. HttpOnly, SameSite=Strict, Secure under TLS.
/// </summary>
internal sealed class UiSession(IDataProtectionProvider protection, ServerOptions options, TimeProvider time)
{
    public const string CookieName = "fanout_session";

    private readonly IDataProtector _protector = protection.CreateProtector("Fanout.Ui.Session.v1");

    /// <summary>The token inside the request's session cookie, or <see langword="null"/> when there is none or it expired or was tampered with.</summary>
    public string? TokenOf(HttpRequest request, out DateTimeOffset expires)
    {
        expires = default;
        if (!request.Cookies.TryGetValue(CookieName, out string? cookie) || string.IsNullOrEmpty(cookie))
        {
            return null;
        }

        string plain;
        try
        {
            plain = _protector.Unprotect(cookie);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        int newline = plain.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0 || !long.TryParse(plain.AsSpan(0, newline), NumberStyles.None, CultureInfo.InvariantCulture, out long unix))
        {
            return null;
        }

        expires = DateTimeOffset.FromUnixTimeSeconds(unix);
        return expires > time.GetUtcNow() ? plain[(newline + 1)..] : null;
    }

    /// <summary>Starts (or extends) the session of <paramref name="token"/>.</summary>
    public void Issue(HttpContext context, string token)
    {
        DateTimeOffset expires = time.GetUtcNow() + options.SessionIdleTimeout;
        string value = _protector.Protect(expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n" + token);
        context.Response.Cookies.Append(CookieName, value, Cookie(context, expires));
    }

    /// <summary>Extends the session when more than half of its idle time has passed (sliding expiry without a new cookie per request).</summary>
    public void Slide(HttpContext context, string token, DateTimeOffset expires)
    {
        if (expires - time.GetUtcNow() < options.SessionIdleTimeout / 2)
        {
            Issue(context, token);
        }
    }

    public static void End(HttpContext context) => context.Response.Cookies.Delete(CookieName, Cookie(context, null));

    private static CookieOptions Cookie(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
