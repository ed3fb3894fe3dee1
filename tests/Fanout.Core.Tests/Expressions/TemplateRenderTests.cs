using Fanout.Expressions;
using static Fanout.Core.Tests.Expressions.TemplateTestHelpers;

namespace Fanout.Core.Tests.Expressions;

public sealed class TemplateRenderTests
{
    private static readonly TemplateContext Ctx = Context(
        ("name", "api"),
        ("health_score", 75L),
        ("services", new List<object?> { "api", "worker" }),
        ("deploy", new Dictionary<string, object?> { ["region"] = "eu", ["replicas"] = 3L }),
        ("empty", new List<object?>()),
        ("flag", false));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("hello {{ .name }}!", "hello api!")]
    [InlineData("{{ .deploy.region }}", "eu")]
    [InlineData("{{ join .services ',' }}", "api,worker")]
    [InlineData("{{ .services | join \",\" }}", "api,worker")]
    [InlineData("{{ if eq .name \"api\" }}yes{{ else }}no{{ end }}", "yes")]
    [InlineData("{{ if .flag }}a{{ else if .name == 'api' }}b{{ else }}c{{ end }}", "b")]
    [InlineData("{{ if and (eq .name \"api\") (lt .health_score 80) }}degraded{{ end }}", "degraded")]
    [InlineData("{{ if .name == 'api' and .health_score < 80 }}x{{ end }}", "x")]
    [InlineData("{{ range $v := .services }}[{{ $v }}]{{ end }}", "[api][worker]")]
    [InlineData("{{ range $i, $v := .services }}{{ $i }}={{ $v }};{{ end }}", "0=api;1=worker;")]
    [InlineData("{{ range .services }}<{{ . }}>{{ end }}", "<api><worker>")]
    [InlineData("{{ range $k, $v := .deploy }}{{ $k }}:{{ $v }} {{ end }}", "region:eu replicas:3 ")]
    [InlineData("{{ range .empty }}x{{ else }}none{{ end }}", "none")]
    [InlineData("{{ $x := 'a' }}{{ if true }}{{ $x = 'b' }}{{ end }}{{ $x }}", "b")]
    [InlineData("a  {{- .name -}}  b", "aapib")]
    [InlineData("a\n  {{- /* comment */ -}}\n  b", "ab")]
    [InlineData("{{ \"tab\\there\" }}", "tab\there")]
    [InlineData("{{ 'single \\'q\\'' }}", "single 'q'")]
    [InlineData("{{ 1.5 }} {{ -3 }} {{ true }} {{ null }}", "1.5 -3 true ")]
    [InlineData("{{ ['a','b'] | join '-' }}", "a-b")]
    [InlineData("{{ index .deploy \"region\" }}", "eu")]
    [InlineData("{{ index .services 1 }}", "worker")]
    [InlineData("{{ ('{\"a\":{\"b\":7}}' | fromJSON).a.b }}", "7")]
    [InlineData("{{ $.name }}", "api")]
    [InlineData("{{ range .services }}{{ $.name }}/{{ . }} {{ end }}", "api/api api/worker ")]
    [InlineData("{{ 'api' in .services }} {{ 'db' in .services }}", "true false")]
    [InlineData("{{ not .flag }}", "true")]
    [InlineData("{{ not .flag == true }}", "true")]
    [InlineData("{{ .flag or .name == 'api' and false }}", "false")]
    public void Render_ValidTemplate_ProducesExpectedText(string source, string expected)
    {
        var text = Render(source, Ctx);
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Range_OverFromJsonOutput_IteratesObjects()
    {
        var ctx = Context(("outputs", new Dictionary<string, object?> { ["hosts"] = "[{\"name\":\"a\",\"ok\":true},{\"name\":\"b\",\"ok\":false}]" }));

        var text = Render("{{ range $h := .outputs.hosts | fromJSON }}{{ $h.name }}={{ if $h.ok }}up{{ else }}down{{ end }} {{ end }}", ctx);

        Assert.Equal("a=up b=down ", text);
    }

    [Fact]
    public void Evaluate_SingleAction_ReturnsTypedValue()
    {
        Assert.Equal(true, Eval("{{ eq .name 'api' }}", Ctx));
        Assert.Equal(true, Eval(".health_score >= 75 and not .flag", Ctx));
        Assert.Equal(new List<object?> { "a", "b" }, Eval("['a', \"b\"]", Ctx));
        Assert.Equal(2L, Eval("len .services", Ctx));
        Assert.Equal(1L, Eval("(fromJSON '{\"n\":1}').n", Ctx));
        Assert.Equal(1.5, Eval("(fromJSON '{\"n\":1.5}').n", Ctx));
    }

    [Fact]
    public void Render_UndefinedName_IsAnErrorWithPosition()
    {
        var error = RenderError("line one\n  value: {{ .missing }}", Ctx);

        Assert.Equal("2:13: error: undefined name '.missing'", error);
    }

    [Fact]
    public void Render_UndefinedNestedField_IsAnError()
    {
        Assert.Contains("undefined name '.deploy.zone'", RenderError("{{ .deploy.zone }}", Ctx), StringComparison.Ordinal);
        Assert.Contains("undefined name '.nope'", RenderError("{{ if .nope }}x{{ end }}", Ctx), StringComparison.Ordinal);
    }

    [Fact]
    public void Default_UndefinedOrEmpty_UsesFallback()
    {
        Assert.Equal("x", Render("{{ default 'x' .missing }}", Ctx));
        Assert.Equal("x", Render("{{ .missing.deeper | default 'x' }}", Ctx));
        Assert.Equal("api", Render("{{ .name | default 'x' }}", Ctx));
        Assert.Equal("fallback", Render("{{ env \"NOT_SET\" | default \"fallback\" }}", Ctx));
    }

    [Fact]
    public void Render_WithOrigin_MapsErrorIntoFile()
    {
        var origin = new TemplateOrigin(new Fanout.Diagnostics.SourcePosition("wf.yaml", 12, 14));
        var parsed = Template.Parse("echo {{ .x | nosuch }}", origin);

        Assert.False(parsed.Success);
        Assert.Equal("wf.yaml:12:27: error: unknown function 'nosuch' (to read a value write '.nosuch')", parsed.Error!.ToString());
    }

    [Fact]
    public void Render_BlockScalarOrigin_MapsLinesWithIndent()
    {
        var origin = new TemplateOrigin(new Fanout.Diagnostics.SourcePosition("wf.yaml", 5, 5), BlockIndent: 6);
        var parsed = Template.Parse("set -e\necho {{ .a ) }}\n", origin);

        Assert.Equal("wf.yaml:6:18: error: unexpected ')'; expected end of action", parsed.Error!.ToString());
    }
}
