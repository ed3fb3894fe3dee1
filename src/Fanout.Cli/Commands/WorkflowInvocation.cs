using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fanout.Cli.Commands;

/// <summary>
/// What <c>fanout run</c> was given; recorded as the run's definition so <c>fanout resume</c> can run it again. Secrets are recorded
/// as references only (<see cref="SetFile"/> paths, <see cref="SetEnv"/> variable names); a secret given inline with <c>--set</c> is
/// left out of <see cref="Set"/> and named in <see cref="InlineSecrets"/>, to be given again on resume.
/// </summary>
internal sealed record WorkflowInvocation
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Kind { get; init; } = "workflow";

    public required string File { get; init; }

    public IReadOnlyList<string> Set { get; init; } = [];

    public IReadOnlyList<string> SetFile { get; init; } = [];

    public IReadOnlyList<string> SetEnv { get; init; } = [];

    /// <summary>Secret parameters that were given inline with <c>--set</c>: their values are not recorded.</summary>
    public IReadOnlyList<string> InlineSecrets { get; init; } = [];

    public string? Environment { get; init; }

    public IReadOnlyList<string> Inventory { get; init; } = [];

    public int? Parallel { get; init; }

    public bool ContinueOnError { get; init; }

    public string? Timeout { get; init; }

    /// <summary><c>--save-state</c>: print the run id to resume by when the run starts (not recorded).</summary>
    [JsonIgnore]
    public bool SaveState { get; init; }

    /// <summary>SSH settings for steps with targets (no secrets); <see langword="null"/> for the defaults.</summary>
    public Runs.RecordedSshOptions? Ssh { get; init; }
}
