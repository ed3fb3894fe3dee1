using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fanout.Server.Http;

/// <summary>Reads request bodies so that every malformed body is a 400 naming the wrong field (the JSON path), never a generic error.</summary>
internal static class JsonBody
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The body as <typeparamref name="T"/>, or a problem result.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Validation("body", "the body must be JSON (Content-Type: application/json)"));
        }

        try
        {
            T? value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
            return value is null ? (null, Problems.Validation("body", "the body must be a JSON object, not null")) : (value, null);
        }
        catch (JsonException e)
        {
            // Conversion errors name the field; syntax errors (truncated, not JSON) concern the whole body.
            bool conversion = e.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) || e.Message.Contains("could not be mapped", StringComparison.Ordinal);
            string field = !conversion || e.Path is null or "$" ? "body" : e.Path.TrimStart('$', '.');
            string message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"unknown field: {e.Message[..e.Message.IndexOf(" could not", StringComparison.Ordinal)]}"
                : !conversion || e.Path is null or "$" ? $"the body is not valid JSON: {FirstSentence(e.Message)}" : $"wrong type or malformed value: {FirstSentence(e.Message)}";
            if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                field = UnknownFieldPath(e.Message, field);
            }

            return (null, Problems.Validation(field, message));
        }
    }

    private static string FirstSentence(string message) => message.Split(". ", 2)[0];

    // "The JSON property 'foo' could not be mapped to any .NET member contained in type '…'." at path $.options.
    private static string UnknownFieldPath(string message, string parent)
    {
        int start = message.IndexOf('\'', StringComparison.Ordinal);
        int end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        if (start < 0 || end < 0)
        {
            return parent;
        }

        string name = message[(start + 1)..end];
        return parent == "body" || parent.Length == 0 ? name : parent.EndsWith(name, StringComparison.Ordinal) ? parent : parent + "." + name;
    }
}
