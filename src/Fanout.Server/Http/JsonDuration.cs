using System.Text.Json;

namespace Fanout.Server.Http;

/// <summary>A duration in a request body: seconds as a number (<c>30</c>) or a duration as the CLI takes it (<c>"30s"</c>, <c>"5m"</c>).</summary>
internal static class JsonDuration
{
    /// <summary>The duration of <paramref name="value"/>, or false when it is neither a positive number of seconds below a year nor a positive duration.</summary>
    public static bool TryParsePositive(JsonElement value, out TimeSpan duration) => TryParse(value, out duration) && duration > TimeSpan.Zero;

    /// <summary>As <see cref="TryParsePositive"/>, zero allowed (a delay).</summary>
    public static bool TryParse(JsonElement value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDouble(out double seconds) && seconds is >= 0 and < 86_400 * 365 && (duration = TimeSpan.FromSeconds(seconds)) >= TimeSpan.Zero,
            JsonValueKind.String => Duration.TryParse(value.GetString(), out duration) && duration >= TimeSpan.Zero,
            _ => false,
        };
    }
}
