using System.Globalization;

namespace Fanout;

/// <summary>
/// Parses the durations accepted everywhere (CLI options, workflow <c>timeout</c>): a bare number
/// of seconds (<c>300</c>, <c>1.5</c>) or numbers with units <c>ms</c>, <c>s</c>, <c>m</c>,
/// <c>h</c>, <c>d</c>, optionally combined (<c>1h30m</c>).
/// </summary>
public static class Duration
{
    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The text is not a duration; the message shows the accepted forms.</exception>
    public static TimeSpan Parse(string text)
        => TryParse(text, out TimeSpan value) ? value : throw new FormatException(
            $"'{text}' is not a duration: expected seconds (300) or a number with a unit, like 500ms, 30s, 5m, 2h, 1d or 1h30m");

    /// <summary>Parses <paramref name="text"/>, returning whether it was a duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> rest = text.AsSpan().Trim();
        double totalMs = 0;
        bool first = true;
        while (!rest.IsEmpty)
        {
            int n = 0;
            while (n < rest.Length && (char.IsAsciiDigit(rest[n]) || rest[n] == '.'))
            {
                n++;
            }

            if (n == 0 || !double.TryParse(rest[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
            {
                return false;
            }

            rest = rest[n..];
            int u = 0;
            while (u < rest.Length && char.IsAsciiLetter(rest[u]))
            {
                u++;
            }

            double? unitMs = rest[..u] switch
            {
                "" when first && u == rest.Length => 1000,
                "ms" => 1,
                "s" or "sec" => 1000,
                "m" or "min" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => null,
            };
            if (unitMs is null)
            {
                return false;
            }

            totalMs += number * unitMs.Value;
            rest = rest[u..];
            first = false;
        }

        if (totalMs > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Formats a duration compactly for people: <c>850ms</c>, <c>12.3s</c>, <c>4m05s</c>, <c>2h03m</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return ((int)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (value < TimeSpan.FromMinutes(1))
        {
            return value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";
        }

        if (value < TimeSpan.FromHours(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m{value.Seconds:00}s");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes:00}m");
    }
}
