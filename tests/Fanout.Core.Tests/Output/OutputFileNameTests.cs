using Fanout.Output;

namespace Fanout.Core.Tests.Output;

public sealed class OutputFileNameTests
{
    [Theory]
    [InlineData("web-01", "web-01")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a_b", "a_b")]
    [InlineData("a%2Fb", "a%252Fb")]
    [InlineData("..", "%2E.")]
    [InlineData(".hidden", "%2Ehidden")]
    [InlineData("host:22", "host%3A22")]
    [InlineData("ünï", "%C3%BCn%C3%AF")]
    public void Escape_IsSafeAndReversible(string name, string escaped)
    {
        Assert.Equal(escaped, OutputFileName.Escape(name));
        Assert.Equal(name, OutputFileName.Unescape(escaped));
    }

    [Fact]
    public void Escape_DistinctNames_NeverCollide()
    {
        string[] names = ["a/b", "a_b", "a\\b", "a b", "a%2Fb", "A/b"];
        Assert.Equal(names.Length, names.Select(OutputFileName.Escape).Distinct(StringComparer.Ordinal).Count());
    }
}
