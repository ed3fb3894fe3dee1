using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fanout.Server.Batches;

/// <summary>The body of <c>POST /api/executions/batch</c> (SPEC A1). Unknown fields are refused, never ignored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BatchRequest
{
    /// <summary>Target names.</summary>
    public IReadOnlyList<string>? TargetNodeIds { get; init; }

    /// <summary>Group names; each expands to its members (children included).</summary>
    public IReadOnlyList<string>? TargetGroupIds { get; init; }

    /// <summary>A T5 selection; its matches are added to the nodes and groups.</summary>
    public SelectorRequest? Selector { get; init; }

    /// <summary>What to run.</summary>
    public ActionRequest? Action { get; init; }

    /// <summary>How to run it.</summary>
    public BatchOptionsRequest? Options { get; init; }
}

/// <summary>The T5 selectors, as in <c>fanout targets</c>; combined with AND.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SelectorRequest
{
    public IReadOnlyList<string>? Tags { get; init; }

    public IReadOnlyList<string>? Patterns { get; init; }

    public IReadOnlyList<string>? Regexes { get; init; }

    public IReadOnlyList<string>? Groups { get; init; }

    public string? Limit { get; init; }

    public bool? All { get; init; }

    public IReadOnlyList<string>? Excludes { get; init; }
}

/// <summary>The action: <c>command</c> (a shell command line), <c>commands</c> (a list of commands, each with its own result), <c>script</c> (inline script text), <c>sync</c>, <c>task</c> (a built-in task name), <c>instance</c> or <c>workflow</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ActionRequest
{
    public string? Type { get; init; }

    public string? Value { get; init; }

    /// <summary>commands: the commands, one line each, run in order on each target (1 to 100); no other action type takes it.</summary>
    public IReadOnlyList<string>? Commands { get; init; }

    /// <summary>command: <c>shell</c>; script: <c>name</c>, <c>args</c>.</summary>
    public Dictionary<string, JsonElement>? Parameters { get; init; }
}

/// <summary>Execution options (SPEC X2–X6).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BatchOptionsRequest
{
    /// <summary>Targets at once (default 10).</summary>
    public int? Parallel { get; init; }

    /// <summary>Wave sizes: a number, <c>"25%"</c>, or a list <c>"1,5,25%"</c> (default one wave).</summary>
    public JsonElement? BatchSize { get; init; }

    /// <summary>Per-target timeout: seconds as a number, or a duration such as <c>"30s"</c> (default 300 s).</summary>
    public JsonElement? Timeout { get; init; }

    /// <summary>Retries of a failed attempt (default 0).</summary>
    public int? Retries { get; init; }

    /// <summary><c>continue</c> (default), <c>fail-fast</c> or <c>atomic</c>.</summary>
    public string? FailurePolicy { get; init; }

    /// <summary>Stop when more than this percentage of a wave fails.</summary>
    public double? MaxFailPercent { get; init; }

    /// <summary>Pause between waves (<c>--batch-wait</c>): seconds as a number, or a duration such as <c>"30s"</c> (default 0).</summary>
    public JsonElement? BatchWait { get; init; }

    /// <summary>Time limit for the whole run (<c>--overall-timeout</c>): seconds or a duration (default none).</summary>
    public JsonElement? OverallTimeout { get; init; }

    /// <summary>Delay before a retry (<c>--retry-delay</c>): seconds or a duration (default 1 s).</summary>
    public JsonElement? RetryDelay { get; init; }

    /// <summary>How the retry delay grows (<c>--backoff</c>): <c>fixed</c> (default), <c>linear</c> or <c>exponential</c>.</summary>
    public string? Backoff { get; init; }

    /// <summary>Randomise retry delays by up to ±25% (<c>--jitter</c>).</summary>
    public bool? Jitter { get; init; }

    /// <summary>Only these exit codes (0–255) count as transient (<c>--retry-on-exit-codes</c>); default every failure.</summary>
    public IReadOnlyList<int>? RetryOnExitCodes { get; init; }

    /// <summary>With <c>failurePolicy: atomic</c>: the compensating command (run with <c>sh -c</c>) on each succeeded target when any fails (<c>--rollback</c>).</summary>
    public string? Rollback { get; init; }

    /// <summary>In a cluster: run the targets only on workers that have every one of these labels (<c>fanout worker --labels</c>).</summary>
    public Dictionary<string, string>? WorkerLabels { get; init; }
}
