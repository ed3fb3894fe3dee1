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
