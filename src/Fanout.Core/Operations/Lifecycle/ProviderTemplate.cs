using Fanout.Expressions;
using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>
/// Provider commands are templates of the workflow template language (docs/workflows.md): parsed,
/// validated and rendered in shell mode, so every value is shell-quoted and a target field can never
/// inject shell syntax. A command reads <c>.target</c> (<c>name</c>, <c>host</c>, <c>port</c>, <c>user</c>,
/// <c>group</c> — the first group —, <c>groups</c>, <c>tags</c>, <c>vars</c>, <c>transport</c>,
/// <c>provider</c>) and, as shortcuts, <c>.vars</c> and <c>.tags</c>; functions and pipes work
/// (<c>{{ .target.name | upper }}</c>). A syntax error, an unknown function or a missing field is an
/// error (returned, not thrown).
/// </summary>
internal static class ProviderTemplate
{
    public static (string? Command, string? Error) Render(string template, Target target)
    {
        TemplateParseResult parsed = Template.Parse(template);
        if (parsed.Template is not { } compiled)
        {
            return (null, $"provider command '{template}': {parsed.Error!.Message}");
        }

        var vars = new Dictionary<string, object?>(target.Vars, StringComparer.Ordinal);
        var tags = target.Tags.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal);
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = target.Name,
            ["host"] = target.Address,
            ["groups"] = target.Groups.Cast<object?>().ToList(),
            ["tags"] = tags,
            ["vars"] = vars,
            ["transport"] = target.Transport,
        };
        if (target.Groups.Count > 0)
        {
            fields["group"] = target.Groups[0];
        }

        if (target.Port is { } port)
        {
            fields["port"] = port;
        }

        if (target.User is { } user)
        {
            fields["user"] = user;
        }

        if (target.Provider is { } provider)
        {
            fields["provider"] = provider;
        }

        var context = new TemplateContext(new Dictionary<string, object?> { ["target"] = fields, ["vars"] = vars, ["tags"] = tags });
        TemplateResult rendered = compiled.Render(context, RenderMode.Shell);
        return rendered.Success
            ? (rendered.Text, null)
            : (null, $"provider command '{template}' for target '{target.Name}': {rendered.Error!.Message}");
    }
}
