using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Fanout.Inventory;

/// <summary>
/// Ansible's host definitions: <c>parse_address</c> (host with optional <c>:port</c>) and
/// <c>expand_hostname_range</c> (<c>web[01:20]</c>, <c>db-[a:c]</c>, <c>[1:9:2]</c> steps).
/// </summary>
internal static partial class AnsibleHostPattern
{
    private const string NumericRange = @"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
    private const string AlphanumericRange = @"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";
    private const string Ipv4Component = @"(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|" + NumericRange + ")";
    private const string Label = @"(?:[\w]|" + AlphanumericRange + @")(?:[\w_-]|" + AlphanumericRange + @")*(?<![_-])";
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>Ansible's <c>parse_address(allow_ranges=True)</c>: false when it is not a host identifier.</summary>
    public static bool TryParseAddress(string address, out string host, out int? port)
    {
        port = null;
        host = address;
        Match m = BracketedHostPort().Match(address);
        if (!m.Success)
        {
            m = HostPort().Match(address);
        }

        if (m.Success)
        {
            host = m.Groups[1].Value;
            port = int.Parse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        bool valid = Ipv4().IsMatch(host) || Hostname().IsMatch(host)
            || (host.Contains(':', StringComparison.Ordinal) && !host.Contains('[', StringComparison.Ordinal) && IPAddress.TryParse(host, out _));
        if (!valid)
        {
            host = address;
            port = null;
        }

        return valid;
    }

    /// <summary>Ansible's <c>_expand_hostpattern</c>: host names (ranges expanded) and an optional port.</summary>
    public static (List<string> Hosts, int? Port) Expand(string pattern)
    {
        if (!TryParseAddress(pattern, out string host, out int? port))
        {
            host = pattern;
            port = null;
        }

        return (host.Contains('[', StringComparison.Ordinal) ? ExpandRange(host) : [host], port);
    }

    /// <summary>Ansible's <c>expand_hostname_range</c>; errors are <see cref="FormatException"/>.</summary>
    public static List<string> ExpandRange(string line)
    {
        var all = new List<string>();
        int open = line.IndexOf('[', StringComparison.Ordinal);
        int close = line.IndexOf(']', StringComparison.Ordinal);
        if (open < 0 || close < open)
        {
            throw new FormatException($"invalid host range in '{line}'");
        }

        string head = line[..open];
        string range = line[(open + 1)..close];
        string tail = line[(close + 1)..];
        string[] bounds = range.Split(':');
        if (bounds.Length is not (2 or 3))
        {
            throw new FormatException($"host range must be begin:end or begin:end:step in '{line}'");
        }

        string begin = bounds[0].Length == 0 ? "0" : bounds[0];
        string end = bounds[1];
        if (end.Length == 0)
        {
            throw new FormatException($"host range must specify end value in '{line}'");
        }

        int step = bounds.Length == 3 ? ParseInt(bounds[2], line) : 1;
        if (step <= 0)
        {
            throw new FormatException($"host range step must be positive in '{line}'");
        }

        Func<string, string> fill = s => s;
        if (begin[0] == '0' && begin.Length > 1)
        {
            if (begin.Length != end.Length)
            {
                throw new FormatException($"host range must specify equal-length begin and end formats in '{line}'");
            }

            int width = begin.Length;
            fill = s => s.PadLeft(width, '0');
        }

        var sequence = new List<string>();
        int letterBegin = begin.Length == 1 ? Letters.IndexOf(begin[0], StringComparison.Ordinal) : -1;
        int letterEnd = end.Length == 1 ? Letters.IndexOf(end[0], StringComparison.Ordinal) : -1;
        if (letterBegin >= 0 && letterEnd >= 0)
        {
            if (letterBegin > letterEnd)
            {
                throw new FormatException($"host range must have begin <= end in '{line}'");
            }

            for (int i = letterBegin; i <= letterEnd; i += step)
            {
                sequence.Add(Letters[i].ToString());
            }
        }
        else
        {
            int from = ParseInt(begin, line);
            int to = ParseInt(end, line);
            for (long i = from; i <= to; i += step)
            {
                sequence.Add(i.ToString(CultureInfo.InvariantCulture));
            }
        }

        foreach (string item in sequence)
        {
            string name = head + fill(item) + tail;
            if (name.Contains('[', StringComparison.Ordinal))
            {
                all.AddRange(ExpandRange(name));
            }
            else
            {
                all.Add(name);
            }
        }

        return all;
    }

    private static int ParseInt(string text, string line) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FormatException($"invalid host range bound '{text}' in '{line}'");

    [GeneratedRegex(@"^\[(.+)\]:([0-9]+)$")]
    private static partial Regex BracketedHostPort();

    [GeneratedRegex(@"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$")]
    private static partial Regex HostPort();

    [GeneratedRegex("^(?:" + Ipv4Component + @"\.){3}" + Ipv4Component + "$", RegexOptions.IgnoreCase)]
    private static partial Regex Ipv4();

    [GeneratedRegex("^" + Label + @"(?:\." + Label + ")*$", RegexOptions.IgnoreCase)]
    private static partial Regex Hostname();
}
