namespace Fanout.Server.Http;

/// <summary>RFC 7807 problem details used by every endpoint: <c>errors</c> maps the wrong field to its messages.</summary>
internal static class Problems
{
    public static IResult Validation(string field, string message, IDictionary<string, object?>? extensions = null) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, extensions);

    public static IResult Validation(IDictionary<string, string[]> errors, IDictionary<string, object?>? extensions = null) =>
        Results.ValidationProblem(errors, detail: string.Join("; ", errors.SelectMany(e => e.Value.Select(m => e.Key.Length == 0 ? m : $"{e.Key}: {m}"))),
            title: "The request is invalid", extensions: extensions);

    public static IResult NotFound(string what) => Results.Problem(detail: what, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string what) => Results.Problem(detail: what, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static IResult Forbidden(string why) => Results.Problem(detail: why, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static IResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    /// <summary>413: the body is larger than <paramref name="limit"/> bytes.</summary>
    public static IResult TooLarge(long limit) =>
        Status(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"the request body is larger than the limit of {limit} bytes", new Dictionary<string, object?> { ["limit"] = limit });

    /// <summary>The problem <c>type</c> of a status without a default one (RFC 9110 section, or RFC 6585 for 429).</summary>
    public static string? TypeOf(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => null,
    };

    /// <summary><paramref name="inner"/> with a <c>Retry-After</c> header of <paramref name="seconds"/>.</summary>
    public static IResult WithRetryAfter(IResult inner, int seconds) => new RetryAfterResult(inner, seconds);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>Collects field errors in the order they are found.</summary>
    public sealed class ErrorSet
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public bool Any => _errors.Count > 0;

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out List<string>? list))
            {
                _errors[field] = list = [];
            }

            list.Add(message);
        }

        public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}
