using System.Text.Json.Serialization;

namespace Fanout.Cli.Rendering;

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
[JsonSerializable(typeof(ScheduleListDocument))]
internal sealed partial class StoreJsonContext : JsonSerializerContext
{
}
