using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Selection;
using Fanout.Transports;

namespace Fanout.Runs;

/// <summary>
/// What a run asked for, for every kind of run (SPEC A9, issue 9) — exec, script, sync, lifecycle (start/stop/restart/status),
/// device commands and workflows — in one versioned JSON shape stored with the run: inventory sources, the selection or an
/// explicit target list, the operation, the options and the parameters, never a secret value. <c>resume</c>, <c>retry</c> and
/// schedules rebuild the operation from it (<see cref="CreateOperation"/>); the CLI, the API and schedules build it from user
/// input through the same factory methods (<see cref="ForCommandLine"/>, <see cref="ForArgv"/>, <see cref="ForShellWords"/>,
/// <see cref="ForScript"/>, <see cref="ForSync"/>, <see cref="ForLifecycle"/>, <see cref="ForDevice"/>, <see cref="ForWorkflow"/>).
/// Script content is stored, so a later edit of the script file does not change what a resume runs.
/// </summary>
public sealed record RunDefinition
{
    /// <summary>The version of the shape written by this code. Version 1 (no <c>version</c> field: exec/script definitions and the flat workflow invocation) is read as well.</summary>
    public const int CurrentVersion = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The shape's version: 1 for records written before versioning, else <see cref="CurrentVersion"/>.</summary>
    public int Version { get; init; } = 1;

    /// <summary><c>exec</c>, <c>script</c>, <c>sync</c>, <c>lifecycle</c>, <c>device</c>, <c>noop</c> or <c>workflow</c>. The default value is <c>exec</c>.</summary>
    public string Kind { get; init; } = "exec";

    /// <summary>Inventory sources, as absolute paths where they are files.</summary>
    public IReadOnlyList<string> Inventory { get; init; } = [];

    /// <summary>The selection criteria (not used when <see cref="Targets"/> is set).</summary>
    public SelectionCriteria Selection { get; init; } = new();

    /// <summary>An explicit target list (API node and group ids, resolved), in order; <see langword="null"/> when <see cref="Selection"/> chose.</summary>
    public IReadOnlyList<string>? Targets { get; init; }

    /// <summary>For exec: the shell command line, or <see langword="null"/> when <see cref="Argv"/> is used.</summary>
    public string? ShellCommand { get; init; }

    /// <summary>For exec: the program and its arguments, started without a shell.</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>The shell for <see cref="ShellCommand"/>. The default value is <c>sh</c>.</summary>
    public string Shell { get; init; } = "sh";

    /// <summary>For script: the script file name.</summary>
    public string? ScriptName { get; init; }

    /// <summary>For script: the script's bytes, base64.</summary>
    public string? ScriptContent { get; init; }

    /// <summary>For script: its arguments.</summary>
    public IReadOnlyList<string>? ScriptArguments { get; init; }

    /// <summary>For sync: what is pushed where and how — the <see cref="SyncOptions"/> themselves, the source as an absolute local path (read again by a resume).</summary>
    public SyncOptions? Sync { get; init; }

    /// <summary>For lifecycle: <c>start</c>, <c>stop</c>, <c>restart</c> or <c>status</c> (the providers come from the inventory).</summary>
    public string? Action { get; init; }

    /// <summary>For device: the commands sent to each device, in order.</summary>
    public IReadOnlyList<string>? DeviceCommands { get; init; }

    /// <summary>For workflow: the file and its parameters.</summary>
    public RecordedWorkflow? Workflow { get; init; }

    /// <summary>The compensating command (<c>--atomic --rollback COMMAND</c>, run with <c>sh -c</c>), or <see langword="null"/>.</summary>
    public string? Rollback { get; init; }

    /// <summary>
    /// For exec and script: the run fed the caller's standard input to every target (<c>--stdin</c>). The bytes are not stored
    /// (they may hold secrets): a resume or retry of such a run needs <c>--stdin</c> again.
    /// </summary>
    public bool Stdin { get; init; }

    /// <summary>
    /// The labels a worker must have to run this run's targets in a cluster (<see cref="Runs.WorkerLabels"/>), or
    /// <see langword="null"/> for any worker. Only a run whose targets are leased to workers may ask for labels: a run kept in
    /// one process is refused, never run elsewhere than asked (docs/scale-out.md "Worker labels").
    /// </summary>
    public IReadOnlyDictionary<string, string>? WorkerLabels { get; init; }

    /// <summary>The execution options (exec, script, sync, lifecycle, device).</summary>
    public RecordedOptions Options { get; init; } = new();

    /// <summary>
    /// For exec: environment variables set for the command. Only a workflow step leased to cluster workers
    /// (<see cref="ForWorkflowStep"/>) sets it; it travels to the worker and is never stored (a step's environment may hold secrets).
    /// </summary>
    [JsonInclude]
    internal IReadOnlyDictionary<string, string>? EnvironmentVariables { get; init; }

    /// <summary>For exec: the command's working directory; like <see cref="EnvironmentVariables"/>, only for workflow steps on workers.</summary>
    [JsonInclude]
    internal string? WorkingDirectory { get; init; }

    /// <summary>The SSH settings of the run (no secrets), or <see langword="null"/> when none were recorded (the defaults).</summary>
    public RecordedSshOptions? Ssh { get; init; }

    /// <summary>
    /// A command line as typed (one string). With the default shell <c>sh</c> it is parsed by <see cref="CommandLines.Parse"/> —
    /// started directly when it is a plain program with literal arguments, else through <c>sh -c</c>; any other
    /// <paramref name="shell"/> always runs it (<c>time</c>, <c>[[ ]]</c> …). The CLI (<c>fanout exec</c>), the API
    /// (<c>action.type = command</c>) and schedules all build exec runs here.
    /// </summary>
    public static RunDefinition ForCommandLine(string commandLine, string shell = "sh")
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        return FromSpec(shell == "sh" ? CommandLines.Parse(commandLine) : CommandSpec.Sh(commandLine, shell));
    }

    /// <summary>A program and its arguments, started without a shell (<c>--no-shell</c>).</summary>
    public static RunDefinition ForArgv(IReadOnlyList<string> argv) => FromSpec(new CommandSpec { Argv = argv });

    /// <summary>Several words joined into one shell line (<c>fanout exec echo a b</c>).</summary>
    public static RunDefinition ForShellWords(IReadOnlyList<string> words, string shell = "sh") =>
        words.Count == 1 ? ForCommandLine(words[0], shell) : FromSpec(CommandSpec.Sh(string.Join(' ', words), shell));

    /// <summary>A script to upload and run.</summary>
    public static RunDefinition ForScript(string name, ReadOnlySpan<byte> content, IReadOnlyList<string>? arguments) => new()
    {
        Version = CurrentVersion,
        Kind = "script",
        ScriptName = Path.GetFileName(name),
        ScriptContent = Convert.ToBase64String(content),
        ScriptArguments = arguments ?? [],
    };

    /// <summary>A sync (SPEC S3).</summary>
    public static RunDefinition ForSync(SyncOptions sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return new RunDefinition { Version = CurrentVersion, Kind = "sync", Sync = sync with { Source = Path.GetFullPath(sync.Source) } };
    }

    /// <summary>A lifecycle action (SPEC L1).</summary>
    public static RunDefinition ForLifecycle(LifecycleAction action) =>
        new() { Version = CurrentVersion, Kind = "lifecycle", Action = action.ToString().ToLowerInvariant() };

    /// <summary>Device commands.</summary>
    public static RunDefinition ForDevice(IReadOnlyList<string> commands) =>
        new() { Version = CurrentVersion, Kind = "device", DeviceCommands = commands };

    /// <summary>A run that does nothing on its targets and succeeds on each (<see cref="NoopOperation"/>).</summary>
    public static RunDefinition ForNoop() => new() { Version = CurrentVersion, Kind = "noop" };

    /// <summary>A workflow run (SPEC W17) over <paramref name="inventory"/> sources (absolute paths).</summary>
    public static RunDefinition ForWorkflow(RecordedWorkflow workflow, IReadOnlyList<string> inventory, RecordedSshOptions? ssh = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return new RunDefinition { Version = CurrentVersion, Kind = "workflow", Workflow = workflow, Inventory = inventory, Ssh = ssh };
    }

    /// <summary>
    /// A workflow fan-out step's command or script as a worker rebuilds it (docs/scale-out.md "Workflow runs"): the shell
    /// command with the step's shell, environment and working directory, or the step's script. Sent to workers over the
    /// cluster, never stored.
    /// </summary>
    internal static RunDefinition ForWorkflowStep(string? command, string? script, string scriptName, string shell, IReadOnlyDictionary<string, string> environment, string? workingDirectory) =>
        script is not null
            ? ForScript(scriptName, System.Text.Encoding.UTF8.GetBytes(script), [])
            : new RunDefinition
            {
                Version = CurrentVersion,
                Kind = "exec",
                ShellCommand = command ?? "true",
                Shell = shell,
                EnvironmentVariables = environment.Count > 0 ? environment : null,
                WorkingDirectory = workingDirectory,
            };

    /// <summary>This step with the command (exec) or script text (script) rendered for one target in place of its own.</summary>
    internal RunDefinition WithRendered(string text) => Kind == "script"
        ? this with { ScriptContent = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)) }
        : this with { ShellCommand = text, Argv = null };

    private static RunDefinition FromSpec(CommandSpec spec) => new()
    {
        Version = CurrentVersion,
        Kind = "exec",
        ShellCommand = spec.ShellCommand,
        Argv = spec.ShellCommand is null ? spec.Argv : null,
        Shell = spec.Shell,
    };

    /// <summary>This definition run over <paramref name="inventory"/> sources with <paramref name="selection"/> and <paramref name="options"/>.</summary>
    public RunDefinition Over(IReadOnlyList<string> inventory, SelectionCriteria selection, Execution.ExecutionOptions options) =>
        this with { Version = CurrentVersion, Inventory = inventory, Selection = selection, Options = RecordedOptions.From(options) };

    /// <summary>Describes <paramref name="operation"/> run over a selection, or returns <see langword="null"/> for an operation that cannot be rebuilt from a record.</summary>
    public static RunDefinition? Describe(IOperation operation, IReadOnlyList<string> inventory, SelectionCriteria selection, Execution.ExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(operation);
        string? rollback = null;
        if (operation is CompensatedOperation compensated && compensated.Rollback.ShellCommand is { } command)
        {
            rollback = command;
            operation = compensated.Inner;
        }

        RunDefinition? what = operation switch
        {
            CommandOperation c => FromSpec(c.Command),
            ScriptOperation s => ForScript(s.ScriptName, s.Content.Span, s.Arguments),
            SyncOperation s => ForSync(s.Options),
            LifecycleOperation l => ForLifecycle(l.Action),
            DeviceCommandOperation d => ForDevice(d.Commands),
            NoopOperation => ForNoop(),
            _ => null,
        };
        return what is null ? null : what.Over(inventory, selection, options) with { Rollback = rollback };
    }

    /// <summary>
    /// Builds the operation; <paramref name="inventory"/> supplies lifecycle providers, <paramref name="standardInput"/> the bytes
    /// fed to every target when <see cref="Stdin"/> is set.
    /// </summary>
    /// <exception cref="FanoutException">The definition does not describe a runnable operation (a workflow is run by the workflow runner).</exception>
    public IOperation CreateOperation(Inventory.Inventory? inventory = null, ReadOnlyMemory<byte>? standardInput = null)
    {
        ReadOnlyMemory<byte>? input = Stdin ? standardInput ?? ReadOnlyMemory<byte>.Empty : (ReadOnlyMemory<byte>?)null;
        try
        {
            IOperation operation = Kind switch
            {
                "exec" when ShellCommand is not null => new CommandOperation(CommandSpec.Sh(ShellCommand, Shell) with
                {
                    StandardInput = input,
                    Environment = EnvironmentVariables ?? new Dictionary<string, string>(),
                    WorkingDirectory = WorkingDirectory,
                }),
                "exec" when Argv is { Count: > 0 } => new CommandOperation(new CommandSpec { Argv = Argv, StandardInput = input }),
                "script" when ScriptName is not null && ScriptContent is not null =>
                    new ScriptOperation(ScriptName, Convert.FromBase64String(ScriptContent), ScriptArguments) { StandardInput = input },
                "sync" when Sync is not null => new SyncOperation(Sync),
                "lifecycle" or "start" or "stop" or "restart" or "status" when ParseAction() is { } action =>
                    new LifecycleOperation(action, inventory?.Providers ?? new Dictionary<string, ProviderDefinition>()),
                "device" when DeviceCommands is { Count: > 0 } => new DeviceCommandOperation(DeviceCommands),
                "noop" => NoopOperation.Instance,
                "workflow" => throw new FanoutException("a workflow run is run by the workflow runner, not as an operation over targets"),
                _ => throw new FanoutException($"the recorded operation (kind '{Kind}') cannot be run again"),
            };
            return Rollback is null ? operation : new CompensatedOperation(operation, CommandSpec.Sh(Rollback));
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new FanoutException($"the recorded {Kind} operation is invalid: {e.Message}", e);
        }
    }

    private LifecycleAction? ParseAction() =>
        Enum.TryParse(Action ?? Kind, ignoreCase: true, out LifecycleAction a) && Enum.IsDefined(a) ? a : null;

    /// <summary>The operation's display name, e.g. <c>uptime</c>, <c>script deploy.sh</c>, <c>sync ./site /srv/site</c>, <c>restart</c>.</summary>
    public string DisplayName => Kind switch
    {
        "script" => $"script {ScriptName}",
        "sync" => $"sync {Sync?.Source} {Sync?.Destination}",
        "lifecycle" => Action ?? "lifecycle",
        "device" => "device: " + string.Join("; ", DeviceCommands ?? []),
        "noop" => "noop",
        "workflow" => Workflow?.File ?? "workflow",
        _ => ShellCommand ?? string.Join(' ', Argv ?? []),
    };

    /// <summary>Serializes the definition.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a definition written by <see cref="ToJson"/> (any version up to <see cref="CurrentVersion"/>, and the flat version-1 workflow invocation).</summary>
    /// <exception cref="FanoutException">The text is not a run definition, or is of a newer version.</exception>
    public static RunDefinition FromJson(string json)
    {
        RunDefinition definition;
        try
        {
            JsonNode? node = JsonNode.Parse(json);
            if (node is JsonObject o && o["version"] is null && (string?)o["kind"] == "workflow" && o["workflow"] is null)
            {
                // Version 1 workflow rows kept the invocation flat: {kind, file, set, setFile, setEnv, inlineSecrets, environment, inventory, parallel, continueOnError, timeout, ssh}.
                var workflow = new JsonObject();
                foreach (string key in new[] { "file", "set", "setFile", "setEnv", "inlineSecrets", "environment", "parallel", "continueOnError", "timeout" })
                {
                    if (o[key] is { } value)
                    {
                        o.Remove(key);
                        workflow[key] = value;
                    }
                }

                o["workflow"] = workflow;
            }

            definition = node.Deserialize<RunDefinition>(Json) ?? throw new FanoutException("the recorded run definition is empty");
        }
        catch (JsonException e)
        {
            throw new FanoutException($"the recorded run definition is malformed: {e.Message}", e);
        }

        return definition.Version > CurrentVersion
            ? throw new FanoutException($"the recorded run definition has version {definition.Version}; this fanout reads up to version {CurrentVersion}")
            : definition;
    }

    /// <summary>The selection part as JSON (for display in history).</summary>
    public string SelectionJson() => Targets is null
        ? JsonSerializer.Serialize(new { Inventory, Selection }, Json)
        : JsonSerializer.Serialize(new { Inventory, Targets }, Json);

    /// <summary>The options part as JSON (for display in history).</summary>
    public string OptionsJson() => JsonSerializer.Serialize(Options, Json);
}
