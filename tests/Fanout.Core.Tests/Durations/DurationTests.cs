namespace Fanout.Core.Tests.Durations;

public sealed class DurationTests
{
    [Theory]
    [InlineData("300", 300)]
    [InlineData("1.5", 1.5)]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    [InlineData("500ms", 0.5)]
    [InlineData("1h30m", 5400)]
    [InlineData(" 10s ", 10)]
    public void Parse_ValidText_ReturnsSeconds(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text));
    }

    [Theory]
    [InlineData("", "empty duration")]
    [InlineData("5w", "invalid duration '5w' (unknown unit 'w'; use ms, s, m, h or d)")]
    [InlineData("-5s", "invalid duration '-5s' (use seconds or 500ms, 30s, 5m, 2h, 7d)")]
    [InlineData("5 minutes", "invalid duration '5 minutes' (use seconds or 500ms, 30s, 5m, 2h, 7d)")]
    [InlineData("-1", "invalid duration '-1' (must be between 0 and a few thousand years)")]
    [InlineData("m", "invalid duration 'm' (use seconds or 500ms, 30s, 5m, 2h, 7d)")]
    public void TryParse_InvalidText_ExplainsWhy(string text, string error)
    {
        Assert.False(Duration.TryParse(text, out _, out var message));
        Assert.Equal(error, message);
        Assert.Throws<FormatException>(() => Duration.Parse(text));
    }

    [Theory]
    [InlineData(90, "1m30s")]
    [InlineData(0, "0s")]
    [InlineData(93784.5, "1d2h3m4s500ms")]
    public void Format_RoundTripsThroughParse(double seconds, string text)
    {
        Assert.Equal(text, Duration.Format(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text));
    }
}
