using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Inventory;

/// <summary>
/// Reads Ansible INI inventories the way Ansible 2.14's <c>ini</c> plugin does: sections
/// <c>[g]</c>, <c>[g:children]</c>, <c>[g:vars]</c>, hosts before any section in <c>ungrouped</c>,
/// ranges, <c>host:port</c>, inline <c>k=v</c> vars (shell quoting, <c>#</c> comments).
/// </summary>
internal static partial class AnsibleIniParser
{
    public static void Parse(string text, InventorySource source, InventoryBuilder builder)
    {
        var pending = new Dictionary<string, Pending>(StringComparer.Ordinal);
        string group = InventoryBuilder.Ungrouped;
        string state = "hosts";
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string raw = lines[i].TrimEnd('\r');
            string line = raw.Trim();
            SourceLocation at = source.At(i + 1, raw.Length - raw.TrimStart().Length + 1);
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            Match section = SectionRegex().Match(line);
            if (section.Success)
            {
                group = section.Groups[1].Value;
                state = section.Groups[2].Success ? section.Groups[2].Value : "hosts";
                if (state is not ("hosts" or "children" or "vars"))
                {
                    throw new InventoryException(at, $"section [{group}:{state}] has unknown type: {state} (expected hosts, children or vars)");
                }

                if (!builder.HasGroup(group))
                {
                    if (state == "vars" && !pending.ContainsKey(group))
                    {
                        pending[group] = new Pending(at, state, []);
                    }

                    builder.AddGroup(group, at);
                }

                if (pending.TryGetValue(group, out Pending? declaration) && state != "vars")
                {
                    if (declaration.State == "children")
                    {
                        AddPendingChildren(group, pending, builder);
                    }
                    else
                    {
                        pending.Remove(group);
                    }
                }

                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                throw new InventoryException(at, $"invalid section entry '{line}': make sure there are no spaces and no other invalid characters in it");
            }

            switch (state)
            {
                case "hosts":
                    ParseHostLine(line, at, group, source, builder);
                    break;
                case "vars":
                    int eq = line.IndexOf('=', StringComparison.Ordinal);
                    if (eq < 0)
                    {
                        throw new InventoryException(at, $"expected key=value, got: {line}");
                    }

                    builder.SetGroupVar(group, line[..eq].Trim(), LiteralEval(line[(eq + 1)..].Trim()), at);
                    break;
                default:
                    Match child = GroupNameRegex().Match(line);
                    if (!child.Success)
                    {
                        throw new InventoryException(at, $"expected group name, got: {line}");
                    }

                    string name = child.Groups[1].Value;
                    if (builder.HasGroup(name))
                    {
                        builder.AddChild(group, name, at);
                    }
                    else if (pending.TryGetValue(name, out Pending? p))
                    {
                        p.Parents.Add((group, at));
                    }
                    else
                    {
                        pending[name] = new Pending(at, state, [(group, at)]);
                    }

                    break;
            }
        }

        foreach ((string name, Pending p) in pending)
        {
            throw p.State == "vars"
                ? new InventoryException(p.Location, $"section [{name}:vars] not valid for undefined group: {name}")
                : new InventoryException(p.Location, $"section [{p.Parents[^1].Parent}:children] includes undefined group: {name}{Suggestions.DidYouMean(name, builder.GroupNames)}");
        }
    }

    private static void AddPendingChildren(string group, Dictionary<string, Pending> pending, InventoryBuilder builder)
    {
        foreach ((string parent, SourceLocation at) in pending[group].Parents)
        {
            builder.AddChild(parent, group, at);
            if (pending.TryGetValue(parent, out Pending? p) && p.State == "children")
            {
                AddPendingChildren(parent, pending, builder);
            }
        }

        pending.Remove(group);
    }

    private static void ParseHostLine(string line, SourceLocation at, string group, InventorySource source, InventoryBuilder builder)
    {
        List<string> tokens = ShellSplit(line, at);
        if (tokens.Count == 0)
        {
            return;
        }

        List<string> hosts;
        int? port;
        try
        {
            (hosts, port) = AnsibleHostPattern.Expand(tokens[0]);
        }
        catch (FormatException ex)
        {
            throw new InventoryException(at, ex.Message);
        }

        if (tokens[0].TrimEnd().EndsWith(':') && port is null)
        {
            throw new InventoryException(at, $"invalid host pattern '{tokens[0]}': ending in ':' is not allowed, this character is reserved to provide a port");
        }

        var vars = new List<(string, object?)>();
        foreach (string token in tokens.Skip(1))
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new InventoryException(at, $"expected key=value host variable assignment, got: {token}");
            }

            vars.Add((token[..eq], LiteralEval(token[(eq + 1)..])));
        }

        foreach (string name in hosts)
        {
            if (name.Trim() == "---")
            {
                throw new InventoryException(at, $"invalid host pattern '{tokens[0]}': '---' is normally a sign this is a YAML file");
            }

            InventoryBuilder.HostNode host = builder.AddHost(name, at, group);
            host.FromAnsible = true;
            if (port is not null)
            {
                builder.SetHostVar(host, "ansible_port", (long)port.Value, at);
            }

            foreach ((string key, object? value) in vars)
            {
                builder.SetHostVar(host, key, value, at);
            }
        }

        _ = source;
    }

    /// <summary>Python's <c>shlex.split(line, comments=True)</c> (POSIX mode).</summary>
    internal static List<string> ShellSplit(string line, SourceLocation at)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool inToken = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else if (c == '#')
            {
                break;
            }
            else if (c is '\'' or '"')
            {
                inToken = true;
                int close = i + 1;
                while (true)
                {
                    if (close >= line.Length)
                    {
                        throw new InventoryException(at, $"error parsing host definition '{line}': no closing quotation");
                    }

                    if (line[close] == c)
                    {
                        break;
                    }

                    if (c == '"' && line[close] == '\\' && close + 1 < line.Length && line[close + 1] is '"' or '\\')
                    {
                        close++;
                    }

                    current.Append(line[close]);
                    close++;
                }

                i = close;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                inToken = true;
                current.Append(line[++i]);
            }
            else
            {
                inToken = true;
                current.Append(c);
            }
        }

        if (inToken)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    /// <summary>
    /// The scalar part of Python's <c>ast.literal_eval</c> as Ansible's INI plugin applies it:
    /// integers, floats, <c>True</c>/<c>False</c>/<c>None</c>, quoted strings; anything else
    /// (including list and dict literals) stays a string.
    /// </summary>
    internal static object? LiteralEval(string text)
    {
        string t = text.Trim();
        switch (t)
        {
            case "True":
                return true;
            case "False":
                return false;
            case "None":
                return null;
        }

        if (PythonIntRegex().IsMatch(t))
        {
            return long.Parse(t.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        if (PythonFloatRegex().IsMatch(t) && double.TryParse(t.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            return number;
        }

        if (t.Length >= 2 && t[0] is '\'' or '"' && t[^1] == t[0] && t.IndexOf(t[0], 1) == t.Length - 1)
        {
            return t[1..^1];
        }

        return text;
    }

    private sealed record Pending(SourceLocation Location, string State, List<(string Parent, SourceLocation At)> Parents);

    [GeneratedRegex(@"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")]
    private static partial Regex SectionRegex();

    [GeneratedRegex(@"^([^:\]\s]+)\s*(?:#.*)?$")]
    private static partial Regex GroupNameRegex();

    [GeneratedRegex(@"^[-+]?(0|[1-9](_?[0-9])*)$")]
    private static partial Regex PythonIntRegex();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")]
    private static partial Regex PythonFloatRegex();
}
