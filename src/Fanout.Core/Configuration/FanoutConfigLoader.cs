using System.Text.RegularExpressions;
using Fanout.Diagnostics;
using Fanout.Workflows;
using Fanout.Workflows.Parsing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Fanout.Configuration;

/// <summary>
/// Finds and parses Fanout's config file (docs/config.md): <c>$FANOUT_CONFIG</c>, else
/// <c>$XDG_CONFIG_HOME/fanout/config.yaml</c>, else <c>~/.config/fanout/config.yaml</c>. Never throws for bad input:
/// problems are returned as <c>file:line:col</c> diagnostics.
/// </summary>
public static partial class FanoutConfigLoader
{
    private static readonly string[] TopFields = ["notifications", "workflows_dir", "templates_dir", "strict", "log_aggregation", "actions", "output_budget"];
    private static readonly string[] LogAggregationFields = ["path"];
    private static readonly string[] NotificationFields = ["channels"];
    private static readonly string[] ChannelFields = ["type", "url", "headers", "timeout", "command"];
    private static readonly string[] ChannelTypes = ["webhook", "command"];

    /// <summary>The config file path to use: <c>$FANOUT_CONFIG</c>, else under <c>$XDG_CONFIG_HOME</c> or <c>$HOME/.config</c>; null when none of them is set.</summary>
    /// <param name="environment">Reads environment variables; the default reads the process environment.</param>
    public static string? DefaultPath(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("FANOUT_CONFIG") is { Length: > 0 } explicitPath)
        {
            return explicitPath;
        }

        return ConfigHome(environment) is { } home ? System.IO.Path.Combine(home, "config.yaml") : null;
    }

    /// <summary>
    /// Loads the config from <see cref="DefaultPath"/>. A missing file gives the defaults — except when
    /// <c>$FANOUT_CONFIG</c> names it, which is an error.
    /// </summary>
    /// <param name="environment">Reads environment variables (<c>FANOUT_CONFIG</c>, <c>HOME</c>, <c>${VAR}</c> references).</param>
    /// <param name="currentDirectory">Resolves relative paths; the default is the process's current directory.</param>
    public static FanoutConfigResult Load(Func<string, string?>? environment = null, string? currentDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        currentDirectory ??= Environment.CurrentDirectory;
        var path = DefaultPath(environment);
        if (path is null)
        {
            return new FanoutConfigResult(Defaults(null, environment, currentDirectory), []);
        }

        path = System.IO.Path.GetFullPath(path, currentDirectory);
        var explicitPath = environment("FANOUT_CONFIG") is { Length: > 0 };
        if (!File.Exists(path) && !explicitPath)
        {
            return new FanoutConfigResult(Defaults(null, environment, currentDirectory), []);
        }

        return LoadFile(path, environment, currentDirectory);
    }

    /// <summary>Reads and parses one config file; an unreadable file is returned as a diagnostic.</summary>
    public static FanoutConfigResult LoadFile(string path, Func<string, string?>? environment = null, string? currentDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        environment ??= Environment.GetEnvironmentVariable;
        currentDirectory ??= Environment.CurrentDirectory;
        try
        {
            return Parse(File.ReadAllText(path), path, environment, currentDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new FanoutConfigResult(
                Defaults(null, environment, currentDirectory),
                [Diagnostic.Error(new SourcePosition(path, 1, 1), $"cannot read the Fanout config: {ex.Message}")]);
        }
    }

    /// <summary>Parses config text. Relative paths in it resolve against the file's directory (or <paramref name="currentDirectory"/> without a file).</summary>
    public static FanoutConfigResult Parse(string text, string? file, Func<string, string?>? environment = null, string? currentDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        currentDirectory ??= Environment.CurrentDirectory;
        var config = Defaults(file, environment, currentDirectory);
        var yaml = new YamlReader(file, text);
        if (YamlText.TryLoad(text, out YamlSyntaxError? error) is not { } stream)
        {
            return new FanoutConfigResult(config, [Diagnostic.Error(new SourcePosition(file, error!.Line, error.Column), "invalid YAML: " + error.Message)]);
        }

        if (stream.Documents.Count == 0 || YamlReader.IsNull(stream.Documents[0].RootNode))
        {
            return new FanoutConfigResult(config, []);
        }

        var f = yaml.Mapping(stream.Documents[0].RootNode, "the Fanout config", TopFields);
        if (f is null)
        {
            return new FanoutConfigResult(config, yaml.Diagnostics);
        }

        var baseDirectory = file is null ? currentDirectory : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file, currentDirectory))!;
        if (yaml.String(f["workflows_dir"], "workflows_dir") is { Length: > 0 } workflows)
        {
            config = config with { WorkflowsDirectory = ResolvePath(workflows, baseDirectory, environment) };
        }

        if (yaml.Bool(f["strict"], "strict") is { } strict)
        {
            config = config with { Strict = strict };
        }

        if (yaml.String(f["output_budget"], "output_budget") is { } budgetText)
        {
            if (ByteSize.TryParse(budgetText, out long budget))
            {
                config = config with { OutputBudget = budget };
            }
            else
            {
                yaml.Error(f["output_budget"]!, $"'output_budget': invalid size '{budgetText}' (use {ByteSize.Forms})");
            }
        }

        if (yaml.String(f["templates_dir"], "templates_dir") is { Length: > 0 } templates)
        {
            config = config with { TemplatesDirectory = ResolvePath(templates, baseDirectory, environment) };
        }

        if (yaml.Mapping(f["log_aggregation"], "log_aggregation", LogAggregationFields) is { } logs)
        {
            if (yaml.String(logs["path"], "path") is { Length: > 0 } sink)
            {
                config = config with { LogAggregationPath = ResolvePath(sink, baseDirectory, environment) };
            }
            else
            {
                yaml.Error(logs.Node, "log_aggregation needs 'path' (the file step logs are appended to as JSON lines)");
            }
        }

        if (f["actions"] is { } actionsNode && !YamlReader.IsNull(actionsNode))
        {
            var actions = new Dictionary<string, string>(StringComparer.Ordinal);
            if (actionsNode is YamlMappingNode actionMap)
            {
                foreach (var (key, value) in actionMap.Children)
                {
                    if (key is YamlScalarNode { Value: { Length: > 0 } actionName } && yaml.String(value, actionName) is { Length: > 0 } actionCommand)
                    {
                        actions[actionName] = actionCommand;
                    }
                    else
                    {
                        yaml.Error(value, "actions must map a name to a command line (NAME: \"command …\")");
                    }
                }
            }
            else
            {
                yaml.Error(actionsNode, "actions must be a mapping of NAME: command");
            }

            config = config with { Actions = actions };
        }

        if (yaml.Mapping(f["notifications"], "notifications", NotificationFields) is { } n && n["channels"] is { } channelsNode && !YamlReader.IsNull(channelsNode))
        {
            var channels = new Dictionary<string, NotificationChannel>(StringComparer.Ordinal);
            if (channelsNode is YamlMappingNode map)
            {
                foreach (var (key, value) in map.Children)
                {
                    if (key is YamlScalarNode { Value: { Length: > 0 } name } && ReadChannel(yaml, name, key, value, environment) is { } channel)
                    {
                        channels[name] = channel;
                    }
                    else if (key is not YamlScalarNode { Value.Length: > 0 })
                    {
                        yaml.Error(key, "channel names in notifications.channels must be names");
                    }
                }
            }
            else
            {
                yaml.Error(channelsNode, "notifications.channels must be a mapping of channel names to {type: webhook, url: …} or {type: command, command: …}");
            }

            config = config with { Channels = channels };
        }

        return new FanoutConfigResult(config, WorkflowParser.Sort(yaml.Diagnostics));
    }

    private static NotificationChannel? ReadChannel(YamlReader yaml, string name, YamlNode key, YamlNode node, Func<string, string?> environment)
    {
        var what = $"channel '{name}'";
        var f = yaml.Mapping(node, what, ChannelFields);
        if (f is null)
        {
            return null;
        }

        var errors = yaml.Diagnostics.Count(d => d.IsError);
        var typeText = yaml.String(f["type"], "type");
        NotificationChannelType type;
        if (typeText is null)
        {
            // Without 'type', the fields decide; both or neither is ambiguous.
            if (f.Has("url") == f.Has("command"))
            {
                yaml.Error(node, $"{what} needs 'type: webhook' with a 'url' or 'type: command' with a 'command'");
                return null;
            }

            type = f.Has("url") ? NotificationChannelType.Webhook : NotificationChannelType.Command;
        }
        else if (typeText == "webhook")
        {
            type = NotificationChannelType.Webhook;
        }
        else if (typeText == "command")
        {
            type = NotificationChannelType.Command;
        }
        else
        {
            var hint = typeText is "slack" or "email" or "mail"
                ? $" ('{typeText}' is a channel name: map it to a webhook or a command)"
                : Diagnostics.EditDistance.Hint(typeText, ChannelTypes);
            yaml.Error(f["type"]!, $"{what}: unknown type '{typeText}'{hint}; use webhook or command");
            return null;
        }

        var timeout = yaml.Duration(f["timeout"], "timeout");
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            yaml.Error(f["timeout"]!, $"{what}: 'timeout' must be more than 0");
        }

        Uri? url = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var sensitive = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? command = null;
        if (type == NotificationChannelType.Webhook)
        {
            ForbidField(yaml, f, "command", what, "webhook");
            var urlText = yaml.String(f["url"], "url");
            if (urlText is null)
            {
                yaml.Error(node, $"{what}: a webhook needs a 'url'");
            }
            else if (Expand(yaml, f["url"]!, urlText, environment, out _) is { } expanded)
            {
                if (Uri.TryCreate(expanded, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    url = uri;
                }
                else
                {
                    yaml.Error(f["url"]!, $"{what}: 'url' must be an absolute http:// or https:// URL");
                }
            }

            if (f["headers"] is { } headersNode && !YamlReader.IsNull(headersNode))
            {
                if (headersNode is YamlMappingNode headerMap)
                {
                    foreach (var (hk, hv) in headerMap.Children)
                    {
                        if (hk is not YamlScalarNode { Value: { Length: > 0 } headerName } || yaml.String(hv, "headers." + hk) is not { } raw)
                        {
                            yaml.Error(hk, $"{what}: headers must map names to string values");
                            continue;
                        }

                        if (Expand(yaml, hv, raw, environment, out var usedVariables) is { } value)
                        {
                            headers[headerName] = value;
                            if (usedVariables || LooksSecret(headerName))
                            {
                                sensitive.Add(headerName);
                            }
                        }
                    }
                }
                else
                {
                    yaml.Error(headersNode, $"{what}: 'headers' must be a mapping of header names to values");
                }
            }
        }
        else
        {
            ForbidField(yaml, f, "url", what, "command");
            ForbidField(yaml, f, "headers", what, "command");
            command = yaml.String(f["command"], "command");
            if (string.IsNullOrWhiteSpace(command))
            {
                yaml.Error(f["command"] ?? node, $"{what}: a command channel needs a 'command'");
            }
        }

        if (yaml.Diagnostics.Count(d => d.IsError) > errors)
        {
            return null;
        }

        return new NotificationChannel
        {
            Name = name,
            Type = type,
            Url = url,
            Headers = headers,
            SensitiveHeaders = sensitive,
            Command = command,
            Timeout = timeout ?? (type == NotificationChannelType.Webhook ? NotificationChannel.DefaultWebhookTimeout : NotificationChannel.DefaultCommandTimeout),
            Position = yaml.Position(key),
        };
    }

    private static void ForbidField(YamlReader yaml, Workflows.Parsing.MappingFields f, string field, string what, string type)
    {
        if (f.Key(field) is { } key)
        {
            yaml.Error(key, $"{what}: '{field}' does not apply to a {type} channel");
        }
    }

    /// <summary>Expands <c>${NAME}</c> from the environment; an unset variable is an error (a webhook with an empty token would fail later, obscurely).</summary>
    private static string? Expand(YamlReader yaml, YamlNode node, string text, Func<string, string?> environment, out bool usedVariables)
    {
        var used = false;
        string? missing = null;
        var result = VariableRegex().Replace(text, m =>
        {
            used = true;
            var value = environment(m.Groups[1].Value);
            if (value is null)
            {
                missing ??= m.Groups[1].Value;
                return string.Empty;
            }

            return value;
        });
        usedVariables = used;
        if (missing is not null)
        {
            yaml.Error(node, $"environment variable '{missing}' (used as ${{{missing}}}) is not set");
            return null;
        }

        return result;
    }

    private static bool LooksSecret(string header)
    {
        var h = header.ToLowerInvariant();
        return h is "authorization" or "proxy-authorization" or "cookie"
            || h.Contains("token", StringComparison.Ordinal) || h.Contains("secret", StringComparison.Ordinal)
            || h.Contains("key", StringComparison.Ordinal) || h.Contains("password", StringComparison.Ordinal)
            || h.Contains("signature", StringComparison.Ordinal) || h.Contains("auth", StringComparison.Ordinal);
    }

    private static FanoutConfig Defaults(string? file, Func<string, string?> environment, string currentDirectory) => new()
    {
        Path = file is null ? null : System.IO.Path.GetFullPath(file, currentDirectory),
        WorkflowsDirectory = System.IO.Path.GetFullPath("workflows", currentDirectory),
        TemplatesDirectory = ConfigHome(environment) is { } home ? System.IO.Path.Combine(home, "templates") : null,
    };

    private static string? ConfigHome(Func<string, string?> environment)
    {
        if (environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg)
        {
            return System.IO.Path.Combine(xdg, "fanout");
        }

        return environment("HOME") is { Length: > 0 } home ? System.IO.Path.Combine(home, ".config", "fanout") : null;
    }

    private static string ResolvePath(string path, string baseDirectory, Func<string, string?> environment)
    {
        if ((path == "~" || path.StartsWith("~/", StringComparison.Ordinal)) && environment("HOME") is { Length: > 0 } home)
        {
            path = home + path[1..];
        }

        return System.IO.Path.GetFullPath(path, baseDirectory);
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex VariableRegex();
}
