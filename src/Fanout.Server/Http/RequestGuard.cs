using Fanout.Server.Audit;

namespace Fanout.Server.Http;

/// <summary>
/// Runs after authentication and authorisation: refuses a declared body larger than <see cref="ServerOptions.MaxRequestBodyBytes"/>
/// with 413 on every endpoint (bodies without a length are cut by Kestrel at the same limit, see <see cref="JsonBody"/>), checks
/// the query string (<see cref="QueryRules"/>), and
/// audits every refused request that the endpoint answered with 400, 403, 413 or 415 (<see cref="AuditLog.Refused"/>).
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, ServerOptions options, AuditLog audit)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            await Problems.TooLarge(options.MaxRequestBodyBytes).ExecuteAsync(context);
        }
        else if (QueryRules.Check(context) is { Count: > 0 } errors)
        {
            await Problems.Validation(errors).ExecuteAsync(context);
        }
        else
        {
            await next(context);
        }

        int status = context.Response.StatusCode;
        if (status is StatusCodes.Status400BadRequest or StatusCodes.Status403Forbidden or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType)
        {
            string reason = context.Items.TryGetValue(ProblemWriter.DetailKey, out object? detail) && detail is string text ? text
                : Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
            audit.Refused(context, status, reason);
        }
    }
}
