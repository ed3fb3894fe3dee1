using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fanout.Runs;
using Fanout.Server.Http;
using Fanout.Workflows.Parameters;

namespace Fanout.Server.Runs;

/// <summary>
/// Optional body of <c>POST /api/runs/{id}/resume</c> and <c>/retry</c>: what <c>fanout resume</c> / <c>fanout retry</c> take besides the
/// run id — secret parameters given inline to a workflow run, given again (the CLI's <c>--set</c>), and the options that replace the
/// recorded ones (<c>-p</c>, <c>--timeout</c>, <c>--overall-timeout</c>, <c>--retries</c>, <c>--retry-delay</c>, <c>--fail-fast</c>,
/// <c>--stdin</c>). Absent fields keep what the run recorded.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ContinueBody
{
    /// <summary>Workflow runs: parameter values given again, as in <c>POST /api/workflows/run</c> (secrets given inline are never stored).</summary>
    public Dictionary<string, JsonElement>? Parameters { get; init; }

    /// <summary>Targets at once (workflow runs: steps at once).</summary>
    public int? Parallel { get; init; }

    /// <summary>Time limit per target and attempt (workflow runs: overall): seconds or a duration such as <c>"30s"</c>.</summary>
    public JsonElement? Timeout { get; init; }

    /// <summary>Time limit of the whole run (not for workflow runs).</summary>
    public JsonElement? OverallTimeout { get; init; }

    /// <summary>Extra attempts after a failed one (not for workflow runs).</summary>
    public int? Retries { get; init; }

    /// <summary>Delay before a retry: seconds or a duration (not for workflow runs).</summary>
    public JsonElement? RetryDelay { get; init; }

    /// <summary>Stop scheduling new targets at the first failure (not for workflow runs).</summary>
    public bool? FailFast { get; init; }

    /// <summary>Text fed to every target's standard input (exec and script runs; a run started with <c>--stdin</c> needs it again).</summary>
    public string? Stdin { get; init; }

    /// <summary>
    /// The body of <paramref name="http"/> as overrides checked against a run of <paramref name="kind"/>: <see langword="null"/> overrides
    /// when there is no body; a 400 problem naming each wrong field.
    /// </summary>
    public static async Task<(RunOverrides? Overrides, IResult? Problem)> ReadAsync(HttpContext http, string? kind, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength is not > 0 && http.Request.Headers.ContentType.Count == 0)
        {
            return (null, null);
        }

        (ContinueBody? body, IResult? problem) = await JsonBody.ReadAsync<ContinueBody>(http.Request, cancellationToken);
        return problem is not null ? (null, problem) : body!.ToOverrides(kind);
    }

    private (RunOverrides?, IResult?) ToOverrides(string? kind)
    {
        var errors = new Problems.ErrorSet();
        IReadOnlyList<string> set = SetArgument.FromJson(Parameters, out IReadOnlyList<string> invalid);
        foreach (string key in invalid)
        {
            errors.Add($"parameters.{key}", $"parameter '{key}' must be a string, number, boolean, list or object, not null");
        }

        var overrides = new RunOverrides
        {
            Parallel = Parallel,
            Timeout = Duration(Timeout, "timeout", zero: false),
            OverallTimeout = Duration(OverallTimeout, "overallTimeout", zero: false),
            Retries = Retries,
            RetryDelay = Duration(RetryDelay, "retryDelay", zero: true),
            FailFast = FailFast,
            StandardInput = Stdin is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(Stdin),
            Set = Parameters is null ? null : set,
        };
        if (Parallel is < 1)
        {
            errors.Add("parallel", $"parallel must be at least 1 (got {Parallel})");
        }

        if (Retries is < 0 or > 100)
        {
            errors.Add("retries", $"retries must be between 0 and 100 (got {Retries})");
        }

        // The CLI's options that make no sense for the run's kind (RunOverrides.Inapplicable), named as fields of this body.
        foreach (string option in kind is null ? [] : overrides.Inapplicable(kind))
        {
            string field = option switch
            {
                "--set" => "parameters",
                "--overall-timeout" => "overallTimeout",
                "--retry-delay" => "retryDelay",
                "--fail-fast" => "failFast",
                _ => option.TrimStart('-'),
            };
            errors.Add(field, $"{field} cannot apply to a {kind} run");
        }

        return errors.Any ? (null, Problems.Validation(errors.ToDictionary())) : (overrides, null);

        TimeSpan? Duration(JsonElement? value, string field, bool zero)
        {
            if (value is not { } given)
            {
                return null;
            }

            if (zero ? JsonDuration.TryParse(given, out TimeSpan parsed) : JsonDuration.TryParsePositive(given, out parsed))
            {
                return parsed;
            }

            errors.Add(field, $"{field} '{given.GetRawText()}' is not a {(zero ? "duration" : "positive duration")}: use seconds (30) or a duration (\"30s\", \"5m\")");
            return null;
        }
    }
}
