using System.Globalization;

namespace Fanout.Cli.Rendering;

/// <summary>RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled.</summary>
internal static class Csv
{
    public static void WriteRow(TextWriter writer, params IEnumerable<string?> fields)
    {
        bool first = true;
        foreach (string? field in fields)
        {
            if (!first)
            {
                writer.Write(',');
            }

            first = false;
            string text = field ?? string.Empty;
            if (text.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                writer.Write('"');
                writer.Write(text.Replace("\"", "\"\"", StringComparison.Ordinal));
                writer.Write('"');
            }
            else
            {
                writer.Write(text);
            }
        }

        writer.Write('\n');
    }

    public static string Format(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(bool value) => value ? "true" : "false";

    public static string Format(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Format(DateTimeOffset? value) => value?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) ?? string.Empty;
}
