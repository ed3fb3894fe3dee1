using Fanout.Expressions;
using static Fanout.Core.Tests.Expressions.TemplateTestHelpers;

namespace Fanout.Core.Tests.Expressions;

public sealed class TemplateSyntaxTests
{
    [Theory]
    [InlineData("{{ .a ", "1:1: error: unclosed action: missing '}}'")]
    [InlineData("{{ if .a }}x", "1:4: error: 'if' is missing its {{ end }}")]
    [InlineData("x{{ end }}", "1:5: error: unexpected {{ end }} without a matching 'if' or 'range'")]
    [InlineData("{{ 'abc }}", "1:4: error: unterminated string literal")]
    [InlineData("{{ jion .a ',' }}", "1:4: error: unknown function 'jion' (did you mean 'join'?)")]
    [InlineData("{{ $y }}", "1:4: error: undefined variable '$y'")]
    [InlineData("{{ $y = 1 }}", "1:4: error: undefined variable '$y' (declare it with ':=')")]
    [InlineData("{{ }}", "1:1: error: empty action '{{ }}'")]
    [InlineData("{{ .a == .b == .c }}", "1:13: error: comparisons cannot be chained; add parentheses before '=='")]
    [InlineData("a\nb {{ .a ? }}", "2:9: error: unexpected character '?' in action")]
    [InlineData("{{ [1, 2 }}", "1:10: error: expected ']' or ',', found end of action")]
    [InlineData("{{ with .a }}{{ end }}", "1:4: error: 'with' is not supported in Fanout templates")]
    [InlineData("{{ not }}", "1:8: error: expected an operand after 'not', found end of action")]
    [InlineData("{{ range }}{{ end }}", "1:10: error: 'range' needs something to iterate over")]
    [InlineData("{{ .a | .b }}", "1:9: error: expected a function name after '|', found '.b'")]
    [InlineData("{{ 'x' \"y\" }}", "1:8: error: unexpected '\"y\"'; expected end of action")]
    public void Parse_InvalidTemplate_ReportsPositionAndMessage(string source, string expected)
    {
        Assert.Equal(expected, ParseError(source));
    }

    [Theory]
    [InlineData("{{ lt 'a' 1 }}", "lt cannot compare a string with a number")]
    [InlineData("{{ .name.first }}", "cannot read '.name.first'")]
    [InlineData("{{ 'x' | fromJSON }}", "fromJSON: invalid JSON")]
    [InlineData("{{ join 'a' 'b' }}", "join needs a list and a separator")]
    [InlineData("{{ eq 1 }}", "eq takes at least 2 arguments, got 1")]
    [InlineData("{{ index .list 5 }}", "index 5 out of range")]
    [InlineData("{{ range 'abc' }}{{ end }}", "range cannot iterate over a string")]
    [InlineData("{{ env \"NOT_SET_ANYWHERE\" }}", "undefined name 'env \"NOT_SET_ANYWHERE\"'")]
    public void Render_TypeError_ReportsMessage(string source, string expectedPart)
    {
        var ctx = Context(("name", "api"), ("list", new List<object?> { 1L }));
        Assert.Contains(expectedPart, RenderError(source, ctx), StringComparison.Ordinal);
    }

    [Fact]
    public void ReferencedNames_CollectsRootNamesButNotRangeDotFields()
    {
        var parsed = Template.Parse("{{ .a.b }} {{ $.c }} {{ range .items }}{{ .inner }}{{ end }} {{ range $v := .more }}{{ .d }}{{ end }} {{ x := 1 }}".Replace("{{ x := 1 }}", string.Empty, StringComparison.Ordinal));

        Assert.True(parsed.Success, parsed.Error?.ToString());
        Assert.Equal(["a", "c", "d", "items", "more"], parsed.Template.ReferencedNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ToString_PrintsCanonicalSource()
    {
        var parsed = Template.Parse("a {{- if and .x (eq .y 'z') }}{{ .x | default \"q\" }}{{ end -}} b");

        Assert.Equal("a{{ if and .x (eq .y \"z\") }}{{ .x | default \"q\" }}{{ end }}b", parsed.Template!.ToString());
    }
}
