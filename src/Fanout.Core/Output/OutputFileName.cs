using System.Text;

namespace Fanout.Output;

/// <summary>
/// Turns a target name into one file-name segment, reversibly, so two targets never share a file
/// (<c>a/b</c> and <c>a_b</c> used to collide): letters, digits and <c>- _ . @ + = ,</c> stay;
/// every other byte of the UTF-8 name becomes <c>%XX</c> (like URL encoding, <c>%</c> included),
/// and a leading <c>.</c> is escaped too so no name is hidden, <c>.</c> or <c>..</c>.
/// </summary>
public static class OutputFileName
{
    /// <summary>Escapes <paramref name="name"/> into a safe, reversible file-name segment.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static string Escape(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var sb = new StringBuilder(name.Length + 8);
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            bool keep = (b is >= (byte)'a' and <= (byte)'z') || (b is >= (byte)'A' and <= (byte)'Z') || (b is >= (byte)'0' and <= (byte)'9')
                || b is (byte)'-' or (byte)'_' or (byte)'@' or (byte)'+' or (byte)'=' or (byte)','
                || (b == (byte)'.' && i > 0);
            if (keep)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>The target name an <see cref="Escape"/>d segment stands for.</summary>
    /// <exception cref="FormatException"><paramref name="escaped"/> has a malformed <c>%</c> sequence.</exception>
    public static string Unescape(string escaped)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        var bytes = new List<byte>(escaped.Length);
        for (int i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '%')
            {
                bytes.Add((byte)escaped[i]);
                continue;
            }

            if (i + 2 >= escaped.Length || !byte.TryParse(escaped.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out byte b))
            {
                throw new FormatException($"'{escaped}' has a malformed escape at position {i}.");
            }

            bytes.Add(b);
            i += 2;
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
