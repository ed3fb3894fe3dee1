using System.Diagnostics;
using Fanout.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Fanout.Server.Http;

/// <summary>
/// Writes every problem answer (RFC 7807, <c>application/problem+json</c>) whatever the request's <c>Accept</c>, with a
/// <c>type</c> for every status (413 and 429 included), and remembers the detail for the audit of refusals
/// (<see cref="RequestGuard"/>).
/// </summary>
internal sealed class ProblemWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ServerPaths paths, ServerOptions options) : IProblemDetailsWriter
{
    public const string DetailKey = "fanout.problem-detail";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        HttpContext http = context.HttpContext;
        ProblemDetails problem = context.ProblemDetails;
        int status = problem.Status ??= http.Response.StatusCode;
        problem.Type ??= Problems.TypeOf(status);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        // Absolute server paths (inventory files, the workflows directory) are shown relative to their configured root.
        problem.Detail = problem.Detail is null ? null : paths.Relative(problem.Detail);
        if (problem is HttpValidationProblemDetails validation)
        {
            foreach (string key in validation.Errors.Keys.ToList())
            {
                validation.Errors[key] = [.. validation.Errors[key].Select(paths.Relative)];
            }
        }

        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        // Debug mode (seed 003: stack traces in a debug mode): an internal error's exception, for admins only. The server's own
        // paths are shown relative as in every detail; values never reach an exception's text from secrets (they are masked
        // before use), and viewers and operators get the plain 500 whatever the mode.
        if (options.Debug && status >= 500 && context.Exception is { } exception && Auth.Caller.Find(http) is { } caller && caller.Role.Includes(ApiRole.Admin))
        {
            problem.Extensions["exception"] = new DebugException(exception.GetType().FullName ?? exception.GetType().Name, paths.Relative(exception.Message), paths.Relative(exception.ToString()));
        }

        http.Items[DetailKey] = problem.Detail ?? problem.Title;
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}

/// <summary>The exception of an internal error as a debug-mode 500 answer shows it to admins.</summary>
/// <param name="Type">The exception type.</param>
/// <param name="Message">Its message.</param>
/// <param name="StackTrace">The exception with its stack trace and inner exceptions (<see cref="Exception.ToString"/>).</param>
internal sealed record DebugException(string Type, string Message, string StackTrace);
