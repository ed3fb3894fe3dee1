using System.Text.Json;
using System.Text.Json.Serialization;
using Fanout.Operations;
using Fanout.Selection;
using Fanout.Transports;

namespace Fanout.Runs;

/// <summary>
/// What a run ran — inventory sources, selection, operation and options — stored as JSON with the run
/// so that <c>resume</c>, <c>retry</c> and schedules run exactly the same thing again. Script content
/// is stored too, so a later edit of the script file does not change what a resume runs.
/// </summary>
public sealed record RunDefinition
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary><c>exec</c> (a command) or <c>script</c> (an uploaded script). The default value is <c>exec</c>.</summary>
    public string Kind { get; init; } = "exec";

    /// <summary>Inventory sources, as absolute paths where they are files.</summary>
    public IReadOnlyList<string> Inventory { get; init; } = [];

    /// <summary>The selection criteria.</summary>
    public SelectionCriteria Selection { get; init; } = new();

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

    /// <summary>The execution options.</summary>
    public RecordedOptions Options { get; init; } = new();

    /// <summary>The SSH settings of the run (no secrets), or <see langword="null"/> when none were recorded (the defaults).</summary>
    public RecordedSshOptions? Ssh { get; init; }

    /// <summary>Describes <paramref name="operation"/> run over a selection, or returns <see langword="null"/> for an operation that cannot be rebuilt from a record.</summary>
    public static RunDefinition? Describe(IOperation operation, IReadOnlyList<string> inventory, SelectionCriteria selection, Execution.ExecutionOptions options)
    {
        var basis = new RunDefinition { Inventory = inventory, Selection = selection, Options = RecordedOptions.From(options) };
        return operation switch
        {
            CommandOperation c => basis with { Kind = "exec", ShellCommand = c.Command.ShellCommand, Argv = c.Command.ShellCommand is null ? c.Command.Argv : null, Shell = c.Command.Shell },
            ScriptOperation s => basis with { Kind = "script", ScriptName = s.ScriptName, ScriptContent = Convert.ToBase64String(s.Content.Span), ScriptArguments = s.Arguments },
            _ => null,
        };
    }

    /// <summary>Rebuilds the operation.</summary>
    /// <exception cref="FanoutException">The definition does not describe a runnable operation.</exception>
    public IOperation CreateOperation() => Kind switch
    {
        "exec" when ShellCommand is not null => new CommandOperation(CommandSpec.Sh(ShellCommand, Shell)),
        "exec" when Argv is { Count: > 0 } => new CommandOperation(new CommandSpec { Argv = Argv }),
        "script" when ScriptName is not null && ScriptContent is not null =>
            new ScriptOperation(ScriptName, Convert.FromBase64String(ScriptContent), ScriptArguments),
        _ => throw new FanoutException($"the recorded operation (kind '{Kind}') cannot be run again"),
    };

    /// <summary>The operation's display name, e.g. <c>exec: uptime</c>.</summary>
    public string DisplayName => Kind == "script" ? $"script {ScriptName}" : ShellCommand ?? string.Join(' ', Argv ?? []);

    /// <summary>Serializes the definition.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a definition written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FanoutException">The text is not a run definition.</exception>
    public static RunDefinition FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<RunDefinition>(json, Json) ?? throw new FanoutException("the recorded run definition is empty");
        }
        catch (JsonException e)
        {
            throw new FanoutException($"the recorded run definition is malformed: {e.Message}", e);
        }
    }

    /// <summary>The selection part as JSON (for display in history).</summary>
    public string SelectionJson() => JsonSerializer.Serialize(new { Inventory, Selection }, Json);

    /// <summary>The options part as JSON (for display in history).</summary>
    public string OptionsJson() => JsonSerializer.Serialize(Options, Json);
}
