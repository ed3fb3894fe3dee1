using System.Globalization;
using System.Text;
using Fanout.Inventory;

namespace Fanout.Transports.Local;

/// <summary>
/// The environment variables a local process gets for its target (SPEC S1):
/// <c>FANOUT_TARGET</c> (name), <c>FANOUT_HOST</c> (address), <c>FANOUT_PORT</c> and
/// <c>FANOUT_USER</c> (when set), <c>FANOUT_GROUPS</c> (comma-joined),
/// <c>FANOUT_TAG_&lt;KEY&gt;</c> per tag and <c>FANOUT_VAR_&lt;NAME&gt;</c> per scalar var.
/// Keys are upper-cased and every character outside <c>A-Z 0-9 _</c> becomes <c>_</c>.
/// </summary>
public static class LocalEnvironment
{
    /// <summary>Builds the variables for <paramref name="target"/>.</summary>
    public static IReadOnlyDictionary<string, string> For(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FANOUT_TARGET"] = target.Name,
            ["FANOUT_HOST"] = target.Address,
            ["FANOUT_GROUPS"] = string.Join(',', target.Groups),
            ["FANOUT_TRANSPORT"] = target.Transport,
        };
        if (target.Port is { } port)
        {
            env["FANOUT_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        }

        if (target.User is { } user)
        {
            env["FANOUT_USER"] = user;
        }

        foreach ((string key, string value) in target.Tags)
        {
            env["FANOUT_TAG_" + Sanitize(key)] = value;
        }

        foreach ((string key, object? value) in target.Vars)
        {
            if (ToScalar(value) is { } text)
            {
                env["FANOUT_VAR_" + Sanitize(key)] = text;
            }
        }

        return env;
    }

    /// <summary>Upper-cases <paramref name="key"/> and replaces every character outside <c>A-Z 0-9 _</c> with <c>_</c>.</summary>
    public static string Sanitize(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var text = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            char u = char.ToUpperInvariant(c);
            text.Append(u is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' ? u : '_');
        }

        return text.ToString();
    }

    private static string? ToScalar(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f when value.GetType().IsPrimitive || value is decimal => f.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };
}
