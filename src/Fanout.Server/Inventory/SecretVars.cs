namespace Fanout.Server.Inventory;

/// <summary>
/// Which inventory variables are secret, so that their values never leave the server (shown as <c>***</c> to every role):
/// names containing <c>password</c>, <c>passwd</c>, <c>passphrase</c>, <c>_pass</c> (<c>ansible_become_pass</c>), <c>secret</c>, <c>token</c>, <c>private_key</c>,
/// <c>credential</c> or <c>api_key</c> (case-insensitive; names ending in <c>_file</c> or <c>_path</c> name a file, not a
/// secret), the server's <see cref="ServerOptions.SecretVarNames"/>, and the names an inventory lists in the variable
/// <c>fanout_secret_vars</c> (a list, or a comma-separated string; set on a target, a group or the defaults). Nested
/// mappings are masked by the same rule.
/// </summary>
internal sealed class SecretVars(ServerOptions options)
{
    /// <summary>The variable in which an inventory marks more variable names secret.</summary>
    public const string MarkerVar = "fanout_secret_vars";

    /// <summary>The name parts that make a variable secret without configuration.</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = ["password", "passwd", "passphrase", "_pass", "secret", "token", "private_key", "privatekey", "credential", "api_key", "apikey"];

    private readonly string[] _names = [.. BuiltInNames, .. options.SecretVarNames.Where(n => n.Length > 0)];

    /// <summary><paramref name="vars"/> with the value of every secret variable replaced by <c>***</c>.</summary>
    public IReadOnlyDictionary<string, object?> Mask(IReadOnlyDictionary<string, object?> vars)
    {
        HashSet<string> marked = Marked(vars);
        return MaskMap(vars, marked);
    }

    /// <summary>Whether a variable named <paramref name="name"/> is secret (given the names an inventory marked).</summary>
    public bool IsSecret(string name, IReadOnlySet<string> marked) =>
        marked.Contains(name)
        || (!name.EndsWith("_file", StringComparison.OrdinalIgnoreCase) && !name.EndsWith("_path", StringComparison.OrdinalIgnoreCase)
            && _names.Any(n => name.Contains(n, StringComparison.OrdinalIgnoreCase)));

    private Dictionary<string, object?> MaskMap(IEnumerable<KeyValuePair<string, object?>> vars, HashSet<string> marked)
    {
        var masked = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string name, object? value) in vars)
        {
            masked[name] = IsSecret(name, marked) && value is not null ? Fanout.Workflows.Parameters.SecretMasker.Mask : MaskValue(value, marked);
        }

        return masked;
    }

    private object? MaskValue(object? value, HashSet<string> marked) => value switch
    {
        IReadOnlyDictionary<string, object?> map => MaskMap(map, marked),
        IDictionary<string, object?> map => MaskMap(map, marked),
        IEnumerable<object?> list when value is not string => list.Select(v => MaskValue(v, marked)).ToList(),
        _ => value,
    };

    private static HashSet<string> Marked(IReadOnlyDictionary<string, object?> vars)
    {
        var marked = new HashSet<string>(StringComparer.Ordinal);
        switch (vars.GetValueOrDefault(MarkerVar))
        {
            case string text:
                marked.UnionWith(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                break;
            case IEnumerable<object?> list:
                marked.UnionWith(list.OfType<string>());
                break;
        }

        return marked;
    }
}
