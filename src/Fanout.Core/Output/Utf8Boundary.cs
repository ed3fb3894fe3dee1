namespace Fanout.Output;

/// <summary>Where a cut through UTF-8 bytes may fall without splitting a character.</summary>
internal static class Utf8Boundary
{
    /// <summary>The length of <paramref name="bytes"/> without a character cut off at its end.</summary>
    public static int BackToCharStart(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.Length;
        int back = 0;
        while (length > 0 && back < 3 && (bytes[length - 1] & 0xC0) == 0x80)
        {
            length--;
            back++;
        }

        if (length > 0 && bytes[length - 1] >= 0xC0)
        {
            int needed = bytes[length - 1] >= 0xF0 ? 4 : bytes[length - 1] >= 0xE0 ? 3 : 2;
            return back + 1 >= needed ? bytes.Length : length - 1;
        }

        return bytes.Length;
    }

    /// <summary>How many continuation bytes of a character cut off at the start of <paramref name="bytes"/> to skip.</summary>
    public static int ForwardToCharStart(ReadOnlySpan<byte> bytes)
    {
        int start = 0;
        while (start < bytes.Length && start < 3 && (bytes[start] & 0xC0) == 0x80)
        {
            start++;
        }

        return start;
    }
}
