using Fanout.Selection;

namespace Fanout.Core.Tests.Selection;

public sealed class AnsibleHostPatternsTests
{
    [Theory]
    [InlineData("web:db", "web|db")]
    [InlineData("web:&prod:!web3", "web|&prod|!web3")]
    [InlineData("web,db:x", "web|db:x")]
    [InlineData(" a , b ", "a|b")]
    [InlineData("web[1:3]", "web[1:3]")]
    [InlineData("web[1:3]:db", "web[1:3]|db")]
    [InlineData("host:22", "host:22")]
    [InlineData("~web\\d+", "~web\\d+")]
    [InlineData("a b", "a|b")]
    public void Split_LikeAnsibleSplitHostPattern(string pattern, string expected) =>
        Assert.Equal(expected.Split('|'), AnsibleHostPatterns.Split(pattern));

    [Fact]
    public void OrderPatterns_UnionsThenIntersectionsThenExclusions()
    {
        Assert.Equal(["a", "c", "&b", "!d"], AnsibleHostPatterns.OrderPatterns(["!d", "a", "&b", "c"]));
        Assert.Equal(["all", "!x"], AnsibleHostPatterns.OrderPatterns(["!x"]));
    }

    [Theory]
    [InlineData("web*", "web", true)]
    [InlineData("web*", "xweb", false)]
    [InlineData("w?b", "web", true)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[!a-c]x", "bx", false)]
    [InlineData("a[", "a[", true)]
    [InlineData("a.b", "axb", false)]
    [InlineData("*", "line\nbreak", true)]
    public void Glob_MatchesLikeFnmatch(string glob, string name, bool expected) =>
        Assert.Equal(expected, Glob.ToRegex(glob).IsMatch(name));
}
