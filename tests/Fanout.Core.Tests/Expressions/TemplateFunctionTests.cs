using Fanout.Expressions;
using static Fanout.Core.Tests.Expressions.TemplateTestHelpers;

namespace Fanout.Core.Tests.Expressions;

public sealed class TemplateFunctionTests
{
    private static readonly TemplateContext Ctx = Context(
        ("s", "Hello World"),
        ("list", new List<object?> { "a", "b", 3L }),
        ("map", new Dictionary<string, object?> { ["k"] = "v", ["n"] = new Dictionary<string, object?> { ["x"] = 1L } }),
        ("num", "42"));

    [Theory]
    [InlineData("join .list '+'", "a+b+3")]
    [InlineData("eq 1 1.0", "true")]
    [InlineData("eq .s 'x' 'Hello World'", "true")]
    [InlineData("eq .num 42", "true")]
    [InlineData("ne 'a' 'b'", "true")]
    [InlineData("lt 1 2", "true")]
    [InlineData("lt .num 100", "true")]
    [InlineData("le 2 2", "true")]
    [InlineData("gt 'b' 'a'", "true")]
    [InlineData("ge 1 2", "false")]
    [InlineData("and 1 'x' 'last'", "last")]
    [InlineData("and 1 0 'last'", "0")]
    [InlineData("or 0 '' 'third'", "third")]
    [InlineData("or 0 false", "false")]
    [InlineData("not 0", "true")]
    [InlineData("len .s", "11")]
    [InlineData("len .list", "3")]
    [InlineData("len .map", "2")]
    [InlineData("len 'héllo'", "5")]
    [InlineData("default 'd' ''", "d")]
    [InlineData("default 'd' 'v'", "v")]
    [InlineData("upper .s", "HELLO WORLD")]
    [InlineData("lower .s", "hello world")]
    [InlineData("quote \"it's\"", "'it'\\''s'")]
    [InlineData("raw 'a b'", "a b")]
    [InlineData("raw .list", "a b 3")]
    [InlineData("toJSON .map", "{\"k\":\"v\",\"n\":{\"x\":1}}")]
    [InlineData("(fromJSON '{\"a\":[1,2.5,\"x\",null,true]}').a | toJSON", "[1,2.5,\"x\",null,true]")]
    [InlineData("contains .s 'World'", "true")]
    [InlineData("contains .list 3", "true")]
    [InlineData("contains .map 'k'", "true")]
    [InlineData("contains .list 'z'", "false")]
    [InlineData("startsWith .s 'Hell'", "true")]
    [InlineData("endsWith .s 'x'", "false")]
    [InlineData("env 'HOME_TEST'", "/home/test")]
    [InlineData("index .map 'n' 'x'", "1")]
    [InlineData("index .list 0", "a")]
    [InlineData("trim '  x  '", "x")]
    [InlineData("split 'a,b,c' ',' | join ';'", "a;b;c")]
    [InlineData("replace .s 'World' 'There'", "Hello There")]
    public void Function_ReturnsExpectedText(string expression, string expected)
    {
        var parsed = Template.ParseExpression(expression);
        Assert.True(parsed.Success, parsed.Error?.ToString());

        var result = parsed.Template.Evaluate(Ctx);

        Assert.True(result.Success, result.Error?.ToString());
        Assert.Equal(expected, result.Text);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(0L, false)]
    [InlineData(1L, true)]
    [InlineData(-1L, true)]
    [InlineData(0.0, false)]
    [InlineData(0.1, true)]
    [InlineData("", false)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    [InlineData("0", true)]
    [InlineData("no", true)]
    [InlineData("true", true)]
    [InlineData(null, false)]
    public void IsTruthy_Scalars_FollowTable(object? value, bool expected)
    {
        Assert.Equal(expected, TemplateValues.IsTruthy(value));
    }

    [Fact]
    public void IsTruthy_Collections_EmptyIsFalse()
    {
        Assert.False(TemplateValues.IsTruthy(new List<object?>()));
        Assert.True(TemplateValues.IsTruthy(new List<object?> { null }));
        Assert.False(TemplateValues.IsTruthy(new Dictionary<string, object?>()));
        Assert.True(TemplateValues.IsTruthy(new Dictionary<string, object?> { ["a"] = null }));
        Assert.False(TemplateValues.IsTruthy(new RawString("")));
    }

    [Fact]
    public void Normalize_ConvertsDotNetValues()
    {
        var value = TemplateValues.Normalize(new Dictionary<string, object?> { ["i"] = 3, ["f"] = 1.5f, ["l"] = new[] { 1, 2 } });

        Assert.Equal("{\"i\":3,\"f\":1.5,\"l\":[1,2]}", TemplateValues.ToJson(value));
    }
}
