namespace Fanout.Core.Tests;

public sealed class DurationTests
{
    [Theory]
    [InlineData("300", 300_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData(" 10s ", 10_000)]
    public void Parse_ValidText_ReturnsDuration(string text, double ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), Duration.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("-5s")]
    [InlineData("s")]
    [InlineData("5m3")]
    public void Parse_InvalidText_ThrowsFormatExceptionNamingForms(string text)
    {
        FormatException e = Assert.Throws<FormatException>(() => Duration.Parse(text));
        Assert.Contains("30s", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(250, "250ms")]
    [InlineData(12_345, "12.35s")]
    [InlineData(245_000, "4m05s")]
    [InlineData(7_380_000, "2h03m")]
    public void Format_Duration_IsCompact(double ms, string expected)
    {
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(ms)));
    }
}
