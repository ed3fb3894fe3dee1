using System.Globalization;
using System.Text.RegularExpressions;
using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>
/// The minimal template substitution for provider commands: <c>{{ .target.name }}</c>, <c>.group</c>
/// (the first group), <c>.host</c>, <c>.user</c>, <c>.port</c>, <c>.vars.X</c>, <c>.tags.X</c>. Every value is
/// shell-quoted, so a target field can never inject shell syntax. A reference to a missing value is an
/// error (returned, not thrown). The full expression language replaces this later, in this one place.
/// </summary>
internal static partial class ProviderTemplate
{
    public static (string? Command, string? Error) Render(string template, Target target)
    {
        string? error = null;
        string rendered = Placeholder().Replace(template, m =>
        {
            string path = m.Groups[1].Value;
            string? value = Lookup(path, target);
            if (value is null)
            {
                error ??= $"template references '{path}', which target '{target.Name}' does not have";
                return string.Empty;
            }

            return ShellQuote.Quote(value);
        });
        return error is null ? (rendered, null) : (null, error);
    }

    private static string? Lookup(string path, Target target)
    {
        string[] parts = path.Split('.', 2);
        return parts[0] switch
        {
            "name" => target.Name,
            "group" => target.Groups.Count > 0 ? target.Groups[0] : null,
            "host" => target.Address,
            "user" => target.User,
            "port" => target.Port?.ToString(CultureInfo.InvariantCulture),
            "vars" when parts.Length == 2 => target.Vars.TryGetValue(parts[1], out object? v) && v is not null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null,
            "tags" when parts.Length == 2 => target.Tags.GetValueOrDefault(parts[1]),
            _ => null,
        };
    }

    [GeneratedRegex(@"\{\{\s*\.target\.([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
