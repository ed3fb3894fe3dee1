using System.Text.Json.Serialization;
using Fanout.Runs;

namespace Fanout.Cli.Rendering;

/// <summary><c>fanout history --output json</c> (SPEC H2): a public contract — add fields, never rename them.</summary>
internal sealed record HistoryDocument(IReadOnlyList<HistoryRunDocument> Runs);

/// <summary>One run in <see cref="HistoryDocument"/>. <c>failed</c> counts failed and timed-out targets; the other states have their own fields.</summary>
internal sealed record HistoryRunDocument(
    string RunId,
    string Kind,
    string Name,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Total,
    int Succeeded,
    int Failed,
    int TimedOut,
    int Cancelled,
    int NotRun,
    int Skipped,
    string Actor,
    string? ParentRunId)
{
    public static HistoryRunDocument From(RunRecord r) => new(
        r.RunId, r.Kind, r.Name, r.Status.ToWireName(), r.StartedAt, r.EndedAt, r.Counts.Total, r.Counts.Succeeded,
        r.Counts.Failed + r.Counts.TimedOut, r.Counts.TimedOut, r.Counts.Cancelled, r.Counts.NotRun, r.Counts.Skipped, r.Actor, r.ParentRunId);
}

/// <summary><c>fanout schedule list --output json</c>.</summary>
internal sealed record ScheduleListDocument(IReadOnlyList<ScheduleDocument> Schedules);

/// <summary>One schedule with its next fire time.</summary>
internal sealed record ScheduleDocument(
    string Name, string Kind, string What, string Cron, string TimeZone, bool AllowOverlap,
    DateTimeOffset? NextFireAt, DateTimeOffset? LastFireAt, string? LastRunId, string? LastResult);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HistoryDocument))]
[JsonSerializable(typeof(ScheduleListDocument))]
internal sealed partial class StoreJsonContext : JsonSerializerContext
{
}
