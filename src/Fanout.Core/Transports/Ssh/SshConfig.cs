using System.Text.RegularExpressions;

namespace Fanout.Transports.Ssh;

/// <summary>
/// The subset of an OpenSSH client config Fanout honours: <c>Host</c> blocks (wildcards, negation),
/// HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump, UserKnownHostsFile,
/// StrictHostKeyChecking, KexAlgorithms, ConnectTimeout, IdentityAgent. The first value obtained wins
/// (IdentityFile and UserKnownHostsFile accumulate). <c>Match</c> blocks are not evaluated and never apply.
/// </summary>
internal sealed class SshConfig
{
    private readonly List<(string[] Patterns, List<(string Key, string Value)> Entries)> _blocks = [];

    public static SshConfig Empty { get; } = new();

    public static SshConfig Load(string path)
    {
        var config = new SshConfig();
        var current = (Patterns: new[] { "*" }, Entries: new List<(string, string)>());
        config._blocks.Add(current);
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            (string key, string value) = SplitLine(line);
            if (key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                current = (value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries), []);
                config._blocks.Add(current);
            }
            else if (key.Equals("Match", StringComparison.OrdinalIgnoreCase))
            {
                current = ([], []); // never matches
                config._blocks.Add(current);
            }
            else
            {
                current.Entries.Add((key.ToLowerInvariant(), value));
            }
        }

        return config;
    }

    public SshHostConfig Resolve(string alias)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var identities = new List<string>();
        var knownHosts = new List<string>();
        foreach ((string[] patterns, List<(string Key, string Value)> entries) in _blocks)
        {
            if (!Matches(patterns, alias))
            {
                continue;
            }

            foreach ((string key, string value) in entries)
            {
                switch (key)
                {
                    case "identityfile":
                        identities.Add(value);
                        break;
                    case "userknownhostsfile":
                        knownHosts.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                        break;
                    default:
                        values.TryAdd(key, value);
                        break;
                }
            }
        }

        string hostName = values.TryGetValue("hostname", out string? h) ? h.Replace("%h", alias, StringComparison.Ordinal) : alias;
        string? user = values.GetValueOrDefault("user");
        return new SshHostConfig
        {
            Alias = alias,
            HostName = hostName,
            User = user,
            Port = values.TryGetValue("port", out string? p) && int.TryParse(p, out int port) ? port : null,
            IdentityFiles = identities.Select(i => ExpandTokens(i, alias, hostName, user)).ToList(),
            IdentitiesOnly = values.TryGetValue("identitiesonly", out string? io) && io.Equals("yes", StringComparison.OrdinalIgnoreCase),
            ProxyJump = values.TryGetValue("proxyjump", out string? pj) && !pj.Equals("none", StringComparison.OrdinalIgnoreCase) ? pj : null,
            KnownHostsFiles = knownHosts.Where(k => !k.Equals("none", StringComparison.OrdinalIgnoreCase)).Select(ExpandHome).ToList(),
            StrictHostKeyChecking = values.GetValueOrDefault("stricthostkeychecking"),
            KexAlgorithms = values.TryGetValue("kexalgorithms", out string? kex) ? kex.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
            ConnectTimeout = values.TryGetValue("connecttimeout", out string? ct) && int.TryParse(ct, out int secs) ? TimeSpan.FromSeconds(secs) : null,
            IdentityAgent = values.GetValueOrDefault("identityagent"),
        };
    }

    /// <summary>OpenSSH semantics: a negated pattern that matches excludes the block; otherwise any positive match includes it.</summary>
    internal static bool Matches(IReadOnlyList<string> patterns, string host)
    {
        bool matched = false;
        foreach (string pattern in patterns)
        {
            foreach (string part in pattern.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                bool negated = part.StartsWith('!');
                string glob = negated ? part[1..] : part;
                if (GlobMatch(glob, host))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }
        }

        return matched;
    }

    internal static bool GlobMatch(string glob, string value)
    {
        string regex = "^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(value, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    internal static string ExpandHome(string path) =>
        path == "~" ? Home() : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Home(), path[2..]) : path;

    private static string ExpandTokens(string path, string alias, string hostName, string? user) =>
        ExpandHome(path.Replace("%d", Home(), StringComparison.Ordinal)
            .Replace("%h", hostName, StringComparison.Ordinal)
            .Replace("%n", alias, StringComparison.Ordinal)
            .Replace("%r", user ?? Environment.UserName, StringComparison.Ordinal)
            .Replace("%u", Environment.UserName, StringComparison.Ordinal)
            .Replace("%%", "%", StringComparison.Ordinal));

    private static string Home() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static (string Key, string Value) SplitLine(string line)
    {
        int i = 0;
        while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '=')
        {
            i++;
        }

        string key = line[..i];
        string rest = line[i..].TrimStart();
        if (rest.StartsWith('='))
        {
            rest = rest[1..].TrimStart();
        }

        if (rest.Length >= 2 && rest[0] == '"' && rest[^1] == '"')
        {
            rest = rest[1..^1];
        }

        return (key, rest);
    }
}
