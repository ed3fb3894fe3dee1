using System.Text.Json;
using System.Text.Json.Serialization;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>The public result document of a run (SPEC X9): fields may be added, never renamed.</summary>
internal sealed record RunDocument
{
    public required string RunId { get; init; }

    public required string Operation { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    public required RunSummaryDocument Summary { get; init; }

    public required IReadOnlyList<TargetDocument> Targets { get; init; }

    /// <summary>Added field: how many waves the selection was split into.</summary>
    public int WaveCount { get; init; }

    /// <summary>Added field: why scheduling stopped early, or null.</summary>
    public string? StopReason { get; init; }

    /// <summary>Added field: rollbacks after an atomic batch failed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RollbackDocument>? Rollbacks { get; init; }

    public static RunDocument From(BatchResult result) => new()
    {
        RunId = result.RunId,
        Operation = result.Operation,
        StartedAt = result.StartedAt.ToUniversalTime(),
        EndedAt = result.EndedAt.ToUniversalTime(),
        Summary = RunSummaryDocument.From(result),
        Targets = result.Outcomes.Select(TargetDocument.From).ToList(),
        WaveCount = result.WaveCount,
        StopReason = result.StopReason,
        Rollbacks = result.Rollbacks.Count == 0 ? null : result.Rollbacks.Select(r => new RollbackDocument(r.Target, r.Succeeded, r.Error)).ToList(),
    };
}

/// <summary>The totals of a run (SPEC X9 <c>summary</c>).</summary>
internal sealed record RunSummaryDocument(int Total, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped, double SuccessRate)
{
    public static RunSummaryDocument From(BatchResult result) => new(
        result.Total,
        result.Count(TargetState.Succeeded),
        result.Count(TargetState.Failed),
        result.Count(TargetState.TimedOut),
        result.Count(TargetState.Cancelled),
        result.Count(TargetState.NotRun),
        result.Count(TargetState.Skipped),
        Math.Round(result.SuccessRate, 4));
}

/// <summary>One target of a run (SPEC X9 <c>targets[]</c>).</summary>
internal sealed record TargetDocument(
    string Target,
    string State,
    int? ExitCode,
    int Attempts,
    int Wave,
    DateTimeOffset? StartedAt,
    double DurationMs,
    string Stdout,
    string Stderr,
    string? Error)
{
    /// <summary>Added field: operation-specific figures (sync: <c>filesCopied</c>, <c>filesSkipped</c>, <c>filesDeleted</c>, <c>bytesCopied</c>); absent when the operation has none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    public static TargetDocument From(TargetOutcome o) => new(
        o.Target,
        o.State.ToWireName(),
        o.ExitCode,
        o.Attempts,
        o.Wave,
        o.StartedAt?.ToUniversalTime(),
        Math.Round(o.Duration.TotalMilliseconds, 1),
        o.Stdout.Text,
        o.Stderr.Text,
        o.Error)
    {
        Data = ToJson(o.Data),
    };

    private static Dictionary<string, JsonElement>? ToJson(IReadOnlyDictionary<string, object?>? data)
    {
        if (data is null || data.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach ((string key, object? value) in data)
        {
            result[key] = value switch
            {
                null => JsonSerializer.SerializeToElement((string?)null, CliJsonContext.Default.String),
                bool b => JsonSerializer.SerializeToElement(b, CliJsonContext.Default.Boolean),
                int i => JsonSerializer.SerializeToElement((long)i, CliJsonContext.Default.Int64),
                long l => JsonSerializer.SerializeToElement(l, CliJsonContext.Default.Int64),
                double d => JsonSerializer.SerializeToElement(d, CliJsonContext.Default.Double),
                JsonElement e => e,
                _ => JsonSerializer.SerializeToElement(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), CliJsonContext.Default.String),
            };
        }

        return result;
    }
}

/// <summary>One rollback of an atomic batch.</summary>
internal sealed record RollbackDocument(string Target, bool Succeeded, string? Error);
