using System.Globalization;

namespace Fanout.Workflows.Parsing;

/// <summary>Kubernetes-style quantities: memory <c>512Mi</c>, <c>1G</c>, <c>1048576</c>; CPU <c>0.5</c>, <c>2</c>, <c>500m</c>.</summary>
internal static class ResourceQuantity
{
    private static readonly (string Suffix, long Factor)[] MemoryUnits =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
        ("K", 1000L), ("k", 1000L), ("M", 1000_000L), ("G", 1000_000_000L), ("T", 1000_000_000_000L),
    ];

    public static bool TryParseMemory(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in MemoryUnits)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                t = t[..^suffix.Length];
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        var value = number * factor;
        if (value > long.MaxValue)
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }

    public static bool TryParseCpu(string text, out double cores)
    {
        cores = 0;
        var t = text.Trim();
        var milli = t.EndsWith('m');
        if (milli)
        {
            t = t[..^1];
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        cores = milli ? number / 1000 : number;
        return true;
    }

    public static string FormatMemory(long bytes)
    {
        foreach (var (suffix, factor) in MemoryUnits.Take(4).Reverse())
        {
            if (bytes >= factor && bytes % factor == 0)
            {
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    public static string FormatCpu(double cores) => cores.ToString("0.###", CultureInfo.InvariantCulture);
}
