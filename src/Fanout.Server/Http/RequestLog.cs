using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Server.Http;

/// <summary>
/// One log line per request (method, path, redacted query, status, duration), replacing ASP.NET Core's own request lines,
/// which would write credentials sent in a URL (<c>?access_token=…</c>) to the log. Values of credential-named query
/// parameters, and anything shaped like a Fanout token, are written as <c>***</c>.
/// </summary>
internal sealed partial class RequestLog(RequestDelegate next, ILogger<RequestLog> logger)
{
    /// <summary>Query parameter names (case-insensitive) whose values are never logged.</summary>
    public static readonly IReadOnlySet<string> CredentialNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "access_token", "token", "id_token", "refresh_token", "api_key", "apikey", "key", "password", "passwd", "pwd", "secret",
        "client_secret", "auth", "authorization", "bearer", "session", "sessionid", "sig", "signature", "code",
    };

    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        string path = context.Request.Path.Value ?? "/";
        string query = Redact(context.Request.QueryString.Value); // as sent: later stages may rewrite the query
        try
        {
            await next(context);
        }
        finally
        {
            Log.Request(logger, context.Request.Method, path, query, context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    /// <summary><paramref name="query"/> (with its leading <c>?</c>) with credential values replaced by <c>***</c>.</summary>
    public static string Redact(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return string.Empty;
        }

        var text = new StringBuilder("?");
        string[] pairs = query.TrimStart('?').Split('&');
        for (int i = 0; i < pairs.Length; i++)
        {
            string pair = pairs[i];
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            text.Append(i == 0 ? string.Empty : "&").Append(eq < 0 ? pair : pair[..eq]);
            if (eq >= 0)
            {
                text.Append('=').Append(CredentialNames.Contains(name) || TokenShape().IsMatch(value) ? "***" : pair[(eq + 1)..]);
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("fo_[0-9a-f]{8}_", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TokenShape();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Method} {Path}{Query} answered {StatusCode} in {ElapsedMs:0.0} ms")]
        public static partial void Request(ILogger logger, string method, string path, string query, int statusCode, double elapsedMs);
    }
}
