using Fanout.Expressions;

namespace Fanout.Core.Tests.Expressions;

internal static class TemplateTestHelpers
{
    public static TemplateContext Context(params (string Key, object? Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, v.Value)), name => name == "HOME_TEST" ? "/home/test" : null);

    public static string Render(string source, TemplateContext? context = null, RenderMode mode = RenderMode.Plain)
    {
        var parsed = Template.Parse(source);
        Assert.True(parsed.Success, parsed.Error?.ToString());
        var result = parsed.Template.Render(context ?? Context(), mode);
        Assert.True(result.Success, result.Error?.ToString());
        return result.Text!;
    }

    public static object? Eval(string expression, TemplateContext? context = null)
    {
        var parsed = Template.ParseExpression(expression);
        Assert.True(parsed.Success, parsed.Error?.ToString());
        var result = parsed.Template.Evaluate(context ?? Context());
        Assert.True(result.Success, result.Error?.ToString());
        return result.Value;
    }

    public static string RenderError(string source, TemplateContext? context = null)
    {
        var parsed = Template.Parse(source);
        Assert.True(parsed.Success, parsed.Error?.ToString());
        var result = parsed.Template.Render(context ?? Context());
        Assert.False(result.Success, "expected a render error, got: " + result.Text);
        return result.Error!.ToString();
    }

    public static string ParseError(string source)
    {
        var parsed = Template.Parse(source);
        Assert.False(parsed.Success, "expected a syntax error");
        return parsed.Error!.ToString();
    }
}
