using System.Globalization;

namespace Fanout;

/// <summary>
/// Parses the byte sizes accepted by options and the config file (<c>--output-budget</c>, <c>output_budget</c>): a bare
/// number of bytes (<c>1048576</c>) or a number with a binary unit <c>K</c>/<c>KiB</c>, <c>M</c>/<c>MiB</c>,
/// <c>G</c>/<c>GiB</c> (powers of 1,024; <c>KB</c>, <c>MB</c>, <c>GB</c> mean the same here), e.g. <c>256MiB</c>, <c>1.5G</c>.
/// </summary>
public static class ByteSize
{
    /// <summary>What the accepted forms look like, for error messages.</summary>
    public const string Forms = "bytes (1048576) or a number with a unit, like 512K, 256MiB, 1G";

    /// <summary>Parses <paramref name="text"/>, returning whether it was a size (whole bytes, at least 0).</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        ReadOnlySpan<char> t = text.AsSpan().Trim();
        int n = 0;
        while (n < t.Length && (char.IsAsciiDigit(t[n]) || t[n] == '.'))
        {
            n++;
        }

        if (n == 0 || !decimal.TryParse(t[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            return false;
        }

        long? unit = t[n..].Trim().ToString().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => null,
        };
        if (unit is null)
        {
            return false;
        }

        decimal value = number * unit.Value;
        if (value > long.MaxValue || value != decimal.Truncate(value))
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }
}
