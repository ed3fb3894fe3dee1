namespace Fanout.Workflows.Parameters;

/// <summary>Replaces secret values with <c>***</c> in text bound for logs, output, history and exports (SPEC W2).</summary>
public static class SecretMasker
{
    /// <summary>The replacement text.</summary>
    public const string Mask = "***";

    /// <summary>Returns <paramref name="text"/> with every occurrence of every secret replaced (longest secrets first).</summary>
    public static string Apply(string text, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> with every occurrence of every secret (its UTF-8
    /// bytes) replaced by <c>***</c>, longest secrets first, in chunks: memory stays small however large the output, and
    /// every other byte is copied as it is (invalid UTF-8 included), so a masked spill or log file stays byte-exact.
    /// </summary>
    internal static void CopyMasked(Stream source, Stream destination, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(secrets);
        byte[][] patterns = [.. secrets.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal)
            .Select(System.Text.Encoding.UTF8.GetBytes).OrderByDescending(p => p.Length)];
        if (patterns.Length == 0)
        {
            source.CopyTo(destination);
            return;
        }

        ReadOnlySpan<byte> mask = "***"u8;
        int carry = patterns[0].Length - 1; // bytes that may start a secret completed by the next read
        var buffer = new byte[Math.Max(64 * 1024, (carry * 2) + 1)];
        int filled = 0;
        while (true)
        {
            int read = source.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            bool end = read == 0;
            int decided = end ? filled : filled - carry; // a secret starting before this is wholly in the buffer
            int i = 0, from = 0;
            while (i < decided)
            {
                byte[]? hit = null;
                foreach (byte[] pattern in patterns)
                {
                    if (pattern.Length <= filled - i && buffer.AsSpan(i, pattern.Length).SequenceEqual(pattern))
                    {
                        hit = pattern;
                        break;
                    }
                }

                if (hit is null)
                {
                    i++;
                    continue;
                }

                destination.Write(buffer, from, i - from);
                destination.Write(mask);
                i += hit.Length;
                from = i;
            }

            destination.Write(buffer, from, i - from);
            if (end)
            {
                return;
            }

            Buffer.BlockCopy(buffer, i, buffer, 0, filled - i);
            filled -= i;
        }
    }
}
