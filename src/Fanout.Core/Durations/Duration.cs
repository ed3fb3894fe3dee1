using System.Globalization;

namespace Fanout;

/// <summary>
/// Parses the durations used across Fanout's options, workflows and command line:
/// a bare number of seconds (<c>300</c>, <c>1.5</c>) or one or more number+unit parts
/// (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>7d</c>, <c>1h30m</c>).
/// </summary>
public static class Duration
{
    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The text is not a duration; the message says why.</exception>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>, returning false for anything that is not a non-negative duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        var s = text?.Trim() ?? string.Empty;
        if (s.Length == 0)
        {
            error = "empty duration";
            return false;
        }

        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            return FromSeconds(bare, s, out value, out error);
        }

        double total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid duration '{s}' (use seconds or 500ms, 30s, 5m, 2h, 7d)";
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            if (unitStart == i && i < s.Length)
            {
                error = $"invalid duration '{s}' (use seconds or 500ms, 30s, 5m, 2h, 7d)";
                return false;
            }

            double? factor = s[unitStart..i] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => null,
            };
            if (factor is null)
            {
                error = $"invalid duration '{s}' (unknown unit '{s[unitStart..i]}'; use ms, s, m, h or d)";
                return false;
            }

            total += number * factor.Value;
        }

        return FromSeconds(total, s, out value, out error);
    }

    private static bool FromSeconds(double seconds, string s, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            error = $"invalid duration '{s}' (must be between 0 and a few thousand years)";
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Formats a duration compactly (<c>90s</c> → <c>1m30s</c>) so that <see cref="Parse"/> reads it back.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new System.Text.StringBuilder();
        if (value.Days > 0) parts.Append(CultureInfo.InvariantCulture, $"{value.Days}d");
        if (value.Hours > 0) parts.Append(CultureInfo.InvariantCulture, $"{value.Hours}h");
        if (value.Minutes > 0) parts.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        if (value.Seconds > 0) parts.Append(CultureInfo.InvariantCulture, $"{value.Seconds}s");
        if (value.Milliseconds > 0) parts.Append(CultureInfo.InvariantCulture, $"{value.Milliseconds}ms");
        return parts.ToString();
    }
}
