using System.Text;
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
        NumberHandling = JsonNumberHandling.Strict, // "parallel": "5" is a wrong type, as the OpenAPI document says

    };

    /// <summary>
    /// The body as <typeparamref name="T"/>, or a problem result: 415 unless the media type is <c>application/json</c> (charset, if
    /// given, <c>utf-8</c>), 413 past <see cref="ServerOptions.MaxRequestBodyBytes"/>, 400 naming the wrong field. Called after
    /// authentication and authorisation, so a caller without the role gets 403 whatever the body.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (UnsupportedMediaType(request.ContentType) is { } reason)
        {
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", reason));
        }

        long limit = request.HttpContext.RequestServices.GetRequiredService<ServerOptions>().MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        try
        {
            // Bodies are small (the limit is 1 MiB by default): read whole, so a NUL anywhere is refused naming its field.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length > limit)
            {
                return (null, Problems.TooLarge(limit));
            }

            ReadOnlyMemory<byte> json = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (NulField(json.Span) is { } field)
            {
                return (null, Problems.Validation(field, "contains a NUL character (\\u0000), which no name, path or command may hold"));
            }

            T? value = JsonSerializer.Deserialize<T>(json.Span, Options);
            return value is null ? (null, Problems.Validation("body", "the body must be a JSON object, not null")) : (value, null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(limit));
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

    /// <summary>The path (<c>action.value</c>, <c>targetNodeIds[2]</c>) of the first string or property name holding a NUL, or <see langword="null"/>.</summary>
    /// <remarks>Malformed JSON is left to the deserializer, which names the problem.</remarks>
    public static string? NulField(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf("\\u0000"u8) < 0 && json.IndexOf((byte)0) < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var path = new List<(string? Name, int Index)>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(path);
                        path.Add((null, reader.TokenType == JsonTokenType.StartArray ? 0 : -1));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        path[^1] = (name, -1);
                        if (name.Contains('\0', StringComparison.Ordinal))
                        {
                            return Format(path);
                        }

                        continue;
                    case JsonTokenType.String:
                        Advance(path);
                        if (reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                        {
                            return Format(path);
                        }

                        break;
                    default:
                        Advance(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;

        // Array elements count their index up as they are read; the value after a property name keeps the name.
        static void Advance(List<(string? Name, int Index)> path)
        {
            if (path.Count > 0 && path[^1].Index >= 0 && path[^1].Name is null)
            {
                path[^1] = (null, path[^1].Index + 1);
            }
        }

        static string Format(List<(string? Name, int Index)> path)
        {
            var text = new StringBuilder();
            foreach ((string? name, int index) in path)
            {
                if (name is not null)
                {
                    text.Append(text.Length == 0 ? string.Empty : ".").Append(name);
                }
                else if (index > 0)
                {
                    text.Append('[').Append(index - 1).Append(']');
                }
            }

            return text.Length == 0 ? "body" : text.ToString();
        }
    }

    /// <summary>Why <paramref name="contentType"/> is not accepted as a JSON body, or <see langword="null"/> when it is.</summary>
    public static string? UnsupportedMediaType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return "the body must be JSON: Content-Type: application/json is missing";
        }

        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out Microsoft.Net.Http.Headers.MediaTypeHeaderValue? media)
            || !media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return $"the body must be JSON (Content-Type: application/json), not '{contentType}'";
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return $"JSON bodies are UTF-8: charset '{media.Charset}' is not accepted";
        }

        return null;
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
