namespace Fanout.Execution;

/// <summary>One entry of <c>--batch-size</c>: an absolute count or a percentage of the selection (SPEC X3).</summary>
/// <param name="Value">The count, or the percentage when <paramref name="IsPercent"/>.</param>
/// <param name="IsPercent">Whether <paramref name="Value"/> is a percentage (1–100).</param>
public readonly record struct WaveSize(int Value, bool IsPercent)
{
    /// <summary>Parses <c>25</c> or <c>25%</c>.</summary>
    /// <exception cref="FormatException">The text is neither a non-negative count nor a percentage in 1–100.</exception>
    public static WaveSize Parse(string text)
    {
        string t = text.Trim();
        bool percent = t.EndsWith('%');
        string number = percent ? t[..^1] : t;
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value)
            || (percent && (value < 1 || value > 100)))
        {
            throw new FormatException($"'{text}' is not a batch size: expected a count like 25 or a percentage like 25%");
        }

        return new WaveSize(value, percent);
    }

    /// <inheritdoc />
    public override string ToString() => IsPercent ? $"{Value}%" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
