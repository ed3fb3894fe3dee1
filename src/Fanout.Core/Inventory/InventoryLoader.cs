namespace Fanout.Inventory;

/// <summary>
/// Loads and merges inventory sources (SPEC T2–T4, T7). A source is one of:
/// <list type="bullet">
/// <item><description>a path: native YAML/JSON, Ansible YAML, Ansible INI, or an executable dynamic inventory;</description></item>
/// <item><description><c>azure:</c> or <c>azure:EXTRA ARGS</c>: runs <c>az vm list --show-details -o json EXTRA ARGS</c>;</description></item>
/// <item><description><c>cmd:COMMAND</c>: runs COMMAND with <c>/bin/sh -c</c>; a JSON array is read as Azure VMs, an object as Ansible dynamic inventory output;</description></item>
/// <item><description><c>tmux:PREFIX</c> or <c>tmux:PREFIX@SOCKET</c>: the running agent instances of a tmux server whose session names start with PREFIX (SPEC I1);</description></item>
/// <item><description>any of these prefixed with <c>override:</c>, letting it replace what earlier sources set differently.</description></item>
/// </list>
/// </summary>
public static class InventoryLoader
{
    /// <summary>The prefix that marks a source as allowed to override earlier ones.</summary>
    public const string OverridePrefix = "override:";

    /// <summary>The prefix of Azure sources.</summary>
    public const string AzurePrefix = "azure:";

    /// <summary>The prefix of command sources.</summary>
    public const string CommandPrefix = "cmd:";

    /// <summary>The prefix of tmux instance-discovery sources (<c>tmux:PREFIX</c>, <c>tmux:PREFIX@SOCKET</c>).</summary>
    public const string TmuxPrefix = Instances.InstanceDiscovery.Prefix;

    /// <summary>The environment variable naming default sources (comma-separated).</summary>
    public const string EnvironmentVariable = "FANOUT_INVENTORY";

    /// <summary>The file used when no source is given and the environment variable is unset.</summary>
    public const string DefaultFileName = "fanout.yaml";

    /// <summary>Loads and merges <paramref name="sources"/> in order with default options.</summary>
    /// <exception cref="InventoryException">A source is missing or invalid, or sources conflict.</exception>
    public static Task<Inventory> LoadAsync(IReadOnlyList<string> sources, CancellationToken cancellationToken) =>
        LoadAsync(sources, new InventoryLoaderOptions(), cancellationToken);

    /// <summary>Loads and merges <paramref name="sources"/> in order.</summary>
    /// <param name="sources">Source specs as given to <c>-i</c>; an empty list gives an empty inventory.</param>
    /// <param name="options">Command and timeout options.</param>
    /// <param name="cancellationToken">Cancels reading and running inventory commands.</param>
    /// <exception cref="InventoryException">A source is missing or invalid, or sources conflict.</exception>
    public static async Task<Inventory> LoadAsync(IReadOnlyList<string> sources, InventoryLoaderOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        var builder = new InventoryBuilder();
        for (int i = 0; i < sources.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string spec = sources[i];
            bool isOverride = spec.StartsWith(OverridePrefix, StringComparison.Ordinal);
            string rest = isOverride ? spec[OverridePrefix.Length..] : spec;
            var source = new InventorySource(rest, i + 1, isOverride);
            builder.BeginSource(source);
            await LoadOneAsync(rest, source, builder, options, cancellationToken).ConfigureAwait(false);
        }

        return builder.Build(sources.ToArray());
    }

    /// <summary>
    /// The sources to use: <paramref name="commandLine"/> when not empty; else the comma-separated
    /// <c>FANOUT_INVENTORY</c> value; else <c>./fanout.yaml</c> when it exists; else none.
    /// </summary>
    public static IReadOnlyList<string> ResolveSources(IReadOnlyList<string> commandLine, string? environmentValue, string currentDirectory)
    {
        if (commandLine.Count > 0)
        {
            return commandLine;
        }

        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            return environmentValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        string fallback = Path.Combine(currentDirectory, DefaultFileName);
        return File.Exists(fallback) ? [fallback] : [];
    }

    private static async Task LoadOneAsync(string spec, InventorySource source, InventoryBuilder builder, InventoryLoaderOptions options, CancellationToken cancellationToken)
    {
        if (spec.StartsWith(AzurePrefix, StringComparison.Ordinal))
        {
            string extra = spec[AzurePrefix.Length..];
            var args = new List<string> { "vm", "list", "--show-details", "-o", "json" };
            args.AddRange(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            string display = options.AzureCommand + " " + string.Join(' ', args);
            ExternalCommand.Result result = await ExternalCommand.RunAsync(options.AzureCommand, args, display, options.CommandTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(result, display);
            AzureVmMapper.Add(JsonValues.Parse(result.StandardOutput, display), display, builder);
            return;
        }

        if (spec.StartsWith(TmuxPrefix, StringComparison.Ordinal))
        {
            await Instances.InstanceDiscovery.AddAsync(spec, source, builder, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (spec.StartsWith(CommandPrefix, StringComparison.Ordinal))
        {
            string command = spec[CommandPrefix.Length..];
            ExternalCommand.Result result = await ExternalCommand.RunAsync("/bin/sh", ["-c", command], command, options.CommandTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(result, command);
            object? data = JsonValues.Parse(result.StandardOutput, command);
            if (data is List<object?>)
            {
                AzureVmMapper.Add(data, command, builder);
            }
            else
            {
                List<string> hosts = AnsibleDynamicInventory.Add(data, command, source, builder, out IReadOnlyDictionary<string, object?>? meta);
                foreach (string host in hosts)
                {
                    AnsibleDynamicInventory.SetHostVars(host, meta?.GetValueOrDefault(host) ?? new Dictionary<string, object?>(), command, source, builder);
                }
            }

            return;
        }

        if (Directory.Exists(spec))
        {
            throw new InventoryException("inventory directories are not supported; pass each file with -i", spec);
        }

        if (!File.Exists(spec))
        {
            throw new InventoryException("inventory source not found", spec);
        }

        InventoryFormat format = InventoryFormats.Detect(spec);
        if (format == InventoryFormat.Dynamic)
        {
            await AnsibleDynamicInventory.LoadScriptAsync(spec, source, builder, options, cancellationToken).ConfigureAwait(false);
            return;
        }

        string text = await File.ReadAllTextAsync(spec, cancellationToken).ConfigureAwait(false);
        LoadText(text, format, source, builder);
    }

    /// <summary>Parses file text of a known format into the builder (used by tests too).</summary>
    internal static void LoadText(string text, InventoryFormat format, InventorySource source, InventoryBuilder builder)
    {
        if (format == InventoryFormat.Ini)
        {
            AnsibleIniParser.Parse(text, source, builder);
            return;
        }

        YamlDotNet.RepresentationModel.YamlNode? root = YamlNodes.Load(text, source.Name);
        if (AnsibleYamlParser.LooksLikeAnsible(root))
        {
            AnsibleYamlParser.Parse(root, source, builder);
        }
        else
        {
            NativeInventoryParser.Parse(root, source, builder);
        }
    }

    private static void EnsureSuccess(ExternalCommand.Result result, string display)
    {
        if (result.ExitCode != 0)
        {
            throw new InventoryException($"inventory command failed with exit code {result.ExitCode}: {result.StandardError.Trim()}", display);
        }
    }
}
