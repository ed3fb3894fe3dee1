using System.Net.Http.Headers;

namespace Fanout.Server.Tests;

/// <summary>Reads a Server-Sent Events stream into frames.</summary>
internal static class SseReader
{
    public sealed record Frame(long Id, string Event, string Data);

    /// <summary>Reads frames until the stream ends or <paramref name="stopAfter"/> frames were read.</summary>
    public static async Task<(IReadOnlyList<Frame> Frames, string ContentType)> ReadAsync(HttpClient client, string path, long? lastEventId = null, int stopAfter = int.MaxValue)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using Stream body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        var frames = new List<Frame>();
        long id = 0;
        string? name = null;
        string? data = null;
        while (frames.Count < stopAfter && await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    frames.Add(new Frame(id, name, data ?? string.Empty));
                }

                name = null;
                data = null;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        return (frames, response.Content.Headers.ContentType?.MediaType ?? string.Empty);
    }
}
